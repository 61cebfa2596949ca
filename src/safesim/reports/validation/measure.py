"""Every fact of the protocol measured: each intervention on the outcome its module says it
targets (``Intervention.targets``, ``Intervention.treated_today``), decay, stationarity,
crime patterns and the held-out city's counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import numpy as np

from safesim.core.interventions import BY_NAME, Intervention
from safesim.core.interventions.base import OFFENDER_CRIME
from safesim.core.scenario import Interventions, Scenario
from safesim.experiments.runner import replicate_seed
from safesim.experiments.scaling import scale_scenario
from safesim.reports.validation.patterns import (
    KnoxSummary,
    PatternTask,
    block_ratio,
)
from safesim.reports.validation.rules import (
    Fact,
    ProtocolError,
    Settings,
    as_change,
    load_protocol,
    pooled_ratio,
    resampled,
    spread,
)
from safesim.reports.validation.runs import (
    DECAY_DELIVERY_DAYS,
    DECAY_WINDOW_DAYS,
    AreaObserver,
    Counts,
    DecayObserver,
    GuichiTask,
    NoObserver,
    Observer,
    PairTask,
    StationarityTask,
    campaign_only,
    full_strength_day,
    only,
    plain,
    run_tasks,
    shipped_or_local,
)

# ---------------------------------------------------------------------- measurements
STATIONARY_COLUMNS = {
    "two_robberies_one_theft": "offender crime (两抢一盗)",
    "criminal_total": "criminal cases",
    "offenders_active": "active offenders",
    "offenders_jailed": "offenders in jail",
}


class Validation:
    """Runs every fact of the protocol for one ``Settings``; ``progress(label)`` is told
    what runs next."""

    def __init__(
        self,
        settings: Settings,
        protocol: dict[str, Any] | None = None,
        progress: Callable[[str], None] | None = None,
    ):
        self.settings = settings
        self.protocol = load_protocol() if protocol is None else protocol
        self.progress = progress or (lambda label: None)
        self.base = shipped_or_local(settings.scenario)
        self.city = campaign_only(self.base, settings.households)
        self.seeds = [replicate_seed(settings.seed, r) for r in range(settings.replicates)]
        self.minimum = int(self.protocol.get("minimum_replicates", 1))
        self._boot = 0

    def boot_seed(self) -> int:
        self._boot += 1
        return self.settings.seed + self._boot

    def fact(
        self,
        key: str,
        estimate: tuple[float, tuple[float, float]],
        replicates: int | None = None,
        name_values: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Fact:
        """The protocol's fact ``key`` with the model's ``estimate``."""
        try:
            spec = self.protocol["facts"][key]
        except KeyError:
            raise ProtocolError(f"the protocol has no fact {key!r}") from None
        bounds = spec.get("range")
        low, high = (None, None) if bounds is None else bounds
        value, interval = estimate
        return Fact(
            group=spec["group"],
            name=spec["name"].format(**(name_values or {})),
            literature=spec["literature"],
            source=spec["source"],
            unit=spec["unit"],
            value=value,
            interval=interval,
            replicates=len(self.seeds) if replicates is None else replicates,
            low=low,
            high=high,
            point=spec.get("point"),
            alternative=spec.get("alternative"),
            alpha=spec.get("alpha"),
            minimum_replicates=self.minimum,
            key=key,
            judged=not spec.get("sets_parameter"),
            **kw,
        )

    def paired(self, tasks: list[PairTask], label: str) -> list[Counts]:
        labels = [f"{label} (replicate {r + 1}/{len(tasks)})" for r in range(len(tasks))]
        return run_tasks(tasks, labels, self.settings.workers, self.progress)

    def pair_tasks(self, scenario: Scenario, observe: Observer, **kw: Any) -> list[PairTask]:
        data = plain(scenario)
        return [PairTask(data, seed, observe, **kw) for seed in self.seeds]

    def change(self, runs: list[Counts], key: str) -> tuple[float, tuple[float, float]]:
        ratio, interval = pooled_ratio(
            (c[key][0] for c in runs), (c[key][1] for c in runs), self.boot_seed()
        )
        return as_change(ratio, interval)

    # -- interventions ----------------------------------------------------------------
    def area_effect(self, kind: type[Intervention]) -> list[Counts]:
        scenario = only(self.city, kind.name)
        start = full_strength_day(scenario, kind.name, self.city.calendar.days)
        observe = AreaObserver(kind.name, start)
        return self.paired(self.pair_tasks(scenario, observe), kind.label)

    def intervention_effects(self) -> list[Fact]:
        """Each intervention the protocol has a fact for (the fact's key is its name), on
        the outcome it targets (``Intervention.targets``): offender crime in the cells it
        treats, with the protocol's ``<name>_property_vs_robbery`` and
        ``<name>_spillover`` facts where it gives them, or a daily count among the homes
        it reaches."""
        facts: list[Fact] = []
        known = self.protocol["facts"]
        for key in [key for key in known if key in BY_NAME]:
            kind = BY_NAME[key]
            if kind.targets != OFFENDER_CRIME:
                facts.append(self.home_effect(kind))
                continue
            runs = self.area_effect(kind)
            facts.append(self.fact(key, self.change(runs, "treated_offender")))
            if f"{key}_property_vs_robbery" in known:
                prop = self.change(runs, "treated_property")
                violent = self.change(runs, "treated_robbery")
                facts.append(
                    self.fact(
                        f"{key}_property_vs_robbery",
                        self._difference(runs, "treated_property", "treated_robbery"),
                        note=f"property {prop[0]:+.1f} %, robbery {violent[0]:+.1f} %",
                    )
                )
            if f"{key}_spillover" in known:
                facts.append(self.spillover(f"{key}_spillover", runs))
        return facts

    def home_effect(self, kind: type[Intervention]) -> Fact:
        """The daily count ``kind`` targets (violent disputes, say) with it against the
        twin, in a city of ``grid_households`` (the events are rare), and the share of
        homes it reaches (``Intervention.home_note``)."""
        outcome = kind.targets
        home_city = campaign_only(self.base, self.settings.grid_households)
        scenario = only(home_city, kind.name)
        start = full_strength_day(scenario, kind.name, home_city.calendar.days)
        tasks = self.pair_tasks(
            scenario, NoObserver(), columns=(outcome, "criminal_total"), from_day=start
        )
        runs = self.paired(tasks, kind.label)
        spec = getattr(scenario.interventions, kind.name)
        all_cases = self.change(runs, "criminal_total")
        with_it = sum(c[outcome][0] for c in runs)
        without = sum(c[outcome][1] for c in runs)
        measurable = without > 0
        reach = kind.home_note(spec, scenario.city.households.value, with_it, without)
        return self.fact(
            kind.name,
            self.change(runs, outcome) if measurable else (0.0, (0.0, 0.0)),
            measurable=measurable,
            note=f"{reach}; all criminal cases {all_cases[0]:+.1f} %",
        )

    def _difference(
        self, runs: list[Counts], first: str, second: str
    ) -> tuple[float, tuple[float, float]]:
        """Change of ``first`` minus change of ``second`` (pp), resampling replicates."""
        table = np.array(
            [[c[first][0], c[first][1], c[second][0], c[second][1]] for c in runs], float
        )

        def gap(s: np.ndarray) -> np.ndarray:
            return 100.0 * (s[:, 0] / np.maximum(s[:, 1], 1) - s[:, 2] / np.maximum(s[:, 3], 1))

        return resampled(table, gap, self.boot_seed())

    def spillover(self, key: str, runs: list[Counts]) -> Fact:
        """Crime averted in the catchment per crime averted in the treated cells, both
        against the twin: (B_twin − B_mix) / (A_twin − A_mix). With the twin as the
        comparison it is Bowers & Johnson's WDQ without the control-area adjustment (the
        twin already says what would have happened): > 0 diffusion of benefits, < 0
        displacement, below −1 more displaced than prevented."""
        table = np.array(
            [[*c["treated_offender"], *c["catchment_offender"]] for c in runs], dtype=float
        )

        def wdq(s: np.ndarray) -> np.ndarray:
            averted = s[:, 1] - s[:, 0]
            spilled = s[:, 3] - s[:, 2]
            return np.divide(spilled, averted, out=np.zeros_like(spilled), where=averted != 0)

        treated = self.change(runs, "treated_offender")[0]
        catchment = self.change(runs, "catchment_offender")[0]
        return self.fact(
            key,
            resampled(table, wdq, self.boot_seed()),
            note=f"treated {treated:+.1f} %, catchment {catchment:+.1f} %",
        )

    # -- dynamics ---------------------------------------------------------------------
    def decay(self) -> list[Fact]:
        """Each of the protocol's decay facts, for the intervention it names."""
        facts = []
        for key, spec in self.protocol["facts"].items():
            if spec["group"] != "decay":
                continue
            kind = BY_NAME.get(spec.get("intervention", ""))
            if kind is None:
                raise ProtocolError(f"the protocol's fact {key!r} names no intervention")
            facts.append(self.decay_of(key, kind))
        return facts

    def decay_of(self, key: str, kind: type[Intervention]) -> Fact:
        """``kind`` delivered for half a year then stopped: the share of its effect in
        the cells it last treated that is left in the 90 days after the stop."""
        base = only(self.city, kind.name)
        start = base.calendar.campaign_start.value
        end = start + timedelta(days=DECAY_DELIVERY_DAYS - 1)
        delivered = getattr(base.interventions, kind.name)
        assert delivered is not None
        ending = delivered.model_copy(update={"end": end})
        stopping = Interventions(**{kind.name: ending})
        scenario = base.model_copy(update={"interventions": stopping})
        stop = scenario.calendar.day_of(end)
        days = stop + DECAY_WINDOW_DAYS + 1
        observe = DecayObserver(kind.name, stop)
        runs = self.paired(self.pair_tasks(scenario, observe, days=days), f"{kind.label} decay")
        table = np.array([[*c["after"], *c["during"]] for c in runs], dtype=float)

        def left(s: np.ndarray) -> np.ndarray:
            after = s[:, 0] / np.maximum(s[:, 1], 1) - 1.0
            during = s[:, 2] / np.maximum(s[:, 3], 1) - 1.0
            return np.divide(after, during, out=np.full_like(after, np.nan), where=during < 0)

        during = self.change(runs, "during")
        after = self.change(runs, "after")
        return self.fact(
            key,
            resampled(table, left, self.boot_seed()),
            note=f"{during[0]:+.1f} % in the last 90 days of {kind.label}, {after[0]:+.1f} % "
            "in the 90 days after",
        )

    def stationarity(self) -> list[Fact]:
        s = self.settings
        years = s.stationarity_years
        city = scale_scenario(
            shipped_or_local(s.stationarity), s.stationarity_households
        ).counterfactual()
        seeds = [
            replicate_seed(s.seed, r) for r in range(s.replicates * s.stationarity_replicate_factor)
        ]
        tasks = [
            StationarityTask(plain(city), seed, 365 * years, tuple(STATIONARY_COLUMNS))
            for seed in seeds
        ]
        labels = [
            f"stationary city, {years} years (replicate {r + 1}/{len(seeds)})"
            for r in range(len(seeds))
        ]
        runs = run_tasks(tasks, labels, s.workers, self.progress)
        facts = []
        for column, label in STATIONARY_COLUMNS.items():
            ratio, interval = pooled_ratio(
                (r[column][1] for r in runs), (r[column][0] for r in runs), self.boot_seed()
            )
            facts.append(
                self.fact(
                    "stationarity",
                    as_change(ratio, interval),
                    replicates=len(seeds),
                    name_values={"label": label, "years": years},
                )
            )
        return facts

    # -- patterns of the no-intervention city -----------------------------------------
    def patterns(self) -> tuple[list[Fact], KnoxSummary]:
        s = self.settings
        knox_spec = self.protocol["knox"]
        distance = tuple(tuple(b) for b in knox_spec["distance_bands_m"])
        time = tuple(tuple(b) for b in knox_spec["time_bands_days"])
        city = campaign_only(self.base, s.pattern_households).counterfactual()
        tasks = [
            PatternTask(plain(city), seed, distance, time, int(knox_spec["permutations"]))
            for seed in self.seeds
        ]
        labels = [f"crime patterns (replicate {r + 1}/{len(tasks)})" for r in range(len(tasks))]
        runs = run_tasks(tasks, labels, s.workers, self.progress)
        per_rep: dict[str, list[Any]] = defaultdict(list)
        for run in runs:
            for key, value in run.items():
                per_rep[key].append(value)

        facts = []
        for window, key in (
            ("first month", "repeat_first_month"),
            ("sixth month", "repeat_sixth_month"),
        ):
            estimate = pooled_ratio(
                per_rep[f"repeat {window} obs"], per_rep[f"repeat {window} exp"], self.boot_seed()
            )
            facts.append(
                self.fact(
                    key,
                    estimate,
                    note=f"{int(sum(per_rep[f'repeat {window} obs']))} repeats observed; "
                    "the block's other homes: "
                    f"{block_ratio(per_rep, window):.2f}× (the place's own risk)",
                )
            )
        week, month = per_rep["repeats within a week"], per_rep["repeats within a month"]
        ratio, interval = pooled_ratio(week, month, self.boot_seed())
        facts.append(
            self.fact(
                "repeat_within_week",
                (100.0 * ratio, (100.0 * interval[0], 100.0 * interval[1])),
                note=f"{int(sum(week))} of {int(sum(month))} repeats within a month",
                measurable=sum(month) > 0,
            )
        )

        knox = KnoxSummary(
            distance,
            time,
            np.array(per_rep["knox observed"]),
            np.array(per_rep["knox shuffled"]),
        )
        for key, d_range, t_range in (
            ("knox_next_blocks_two_weeks", (0, 200), (8, 14)),
            ("knox_300_400m", (300, 400), (0, 30)),
            ("knox_one_to_two_months", (0, 200), (31, 60)),
        ):
            d_sel, t_sel = knox.select(d_range, t_range)
            observed, expected = knox.cells(d_sel, t_sel)
            p_value = knox.p_value(d_sel, t_sel)
            measurable = expected.sum() > 0
            estimate = (
                pooled_ratio(observed, expected, self.boot_seed())
                if measurable
                else (0.0, (0.0, 0.0))
            )
            facts.append(
                self.fact(
                    key,
                    estimate,
                    p_value=p_value,
                    measurable=measurable,
                    note=f"Monte-Carlo p = {p_value:.3f} ({knox.permutations} permutations "
                    f"per replicate); {int(observed.sum())} pairs observed, "
                    f"{expected.sum():.0f} expected",
                )
            )

        ratio = np.array(per_rep["concentration"]) / np.maximum(per_rep["random spread"], 1e-9)
        facts.append(
            self.fact(
                "concentration",
                spread(per_rep["concentration"]),
                note=f"top 5 % of cells hold {np.mean(per_rep['top5']):.1f} % of offender "
                f"crime; random spread of the same count: "
                f"{np.mean(per_rep['random spread']):.1f} % "
                f"({np.mean(per_rep['crimes per cell']):.2f} crimes per cell a year)",
            )
        )
        facts.append(self.fact("concentration_beyond_chance", spread(ratio)))
        return facts, knox

    # -- out of sample ----------------------------------------------------------------
    def guichi(self) -> list[Fact]:
        s = self.settings
        scenario = shipped_or_local(s.guichi)
        scale = scenario.city.households.value / s.guichi_households
        city = scale_scenario(scenario, s.guichi_households)
        start = city.calendar.day_of(city.calendar.campaign_start.value)
        tasks = [GuichiTask(plain(city), seed, start, scale) for seed in self.seeds]
        labels = [f"Guichi 2021 (replicate {r + 1}/{len(tasks)})" for r in range(len(tasks))]
        runs = run_tasks(tasks, labels, s.workers, self.progress)
        found = np.array([r["disputes_found"] for r in runs])
        mediated = np.array([r["disputes_mediated"] for r in runs])
        share = 100.0 * mediated / np.maximum(found, 1.0)
        note = f"city of {s.guichi_households:,} households, counts × {scale:g}"
        return [
            self.fact(
                "guichi_violent_disputes",
                spread(r["dispute_violence"] for r in runs),
                note=note,
            ),
            self.fact("guichi_disputes_found", spread(found), note=note),
            self.fact(
                "guichi_settled_share",
                spread(share),
                note=f"{np.mean(mediated):.0f} of {np.mean(found):.0f} a year",
            ),
        ]

    def run(self) -> Report:
        patterns, knox = self.patterns()
        facts = [
            *self.intervention_effects(),
            *self.decay(),
            *self.stationarity(),
            *patterns,
            *self.guichi(),
        ]
        return Report(facts, knox)


@dataclass
class Report:
    facts: list[Fact]
    knox: KnoxSummary | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------- output
def run_validation(
    settings: Settings,
    protocol: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    workers: int | None = None,
) -> Report:
    """Every fact of ``protocol`` (the shipped one by default) at ``settings``.

    ``workers`` processes run the facts' replicates (a process pool of spawned workers;
    ``None`` keeps ``settings.workers``, 1 runs them in this process). Every replicate
    carries its own seed and the results are put back in order, so the report is the
    same, figure for figure, for any number of workers."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        settings = replace(settings, workers=int(workers))
    return Validation(settings, protocol, progress).run()
