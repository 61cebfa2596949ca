"""The safesim model: a city of households, offenders and an intervention mix.

One step is one day. The schedule follows the ODD's process overview (docs/odd.md):
interventions set today's guardianship, offenders turn over, move and offend, disputes
run their course, disorder and other crime happen, places and households remember, and
the day is recorded.

**Examples**::

    from safesim.model import SafetyModel
    from safesim.scenario import load_scenario
    model = SafetyModel(load_scenario("scenarios/small.yaml"), seed=1)
    model.run()
    daily = model.record.frame()
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np
from scipy import ndimage

from safesim.city import build_city, neighbour_sum
from safesim.disputes import Disputes
from safesim.fields import CellFields
from safesim.households import Households
from safesim.interventions import ORDER, GridWorkers, Intervention
from safesim.offenders import OffenceReport, Offenders
from safesim.outcomes import DailyRecord
from safesim.parameters import MechanismParameters
from safesim.scenario import Scenario
from safesim.security import SenseOfSecurity
from safesim.streams import Streams

# Share of each kind of event that reaches the police as a call (assumption; the reports
# give totals of calls, not reporting rates).
REPORTING = {
    "burglary_theft": 0.7,
    "robbery": 0.85,
    "dispute_violence": 0.95,
    "other_criminal": 0.6,
    "public_order": 0.8,
    "disputes_new": 0.15,
}
CATCHMENT_CELLS = 2
CLEARANCE_MEMORY_DAYS = 90.0


class SafetyModel(mesa.Model):
    """A city-scale model of community-safety programmes.

    Args:
        scenario: the validated scenario (city, baseline, interventions, calendar).
        seed: run seed; every random process draws from its own stream derived from it.
        parameters: mechanism strengths; default: the scenario's (evidence defaults plus
            the scenario's ``parameters:`` overrides).
        days: simulated days after the burn-in (default: the scenario's calendar).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        parameters: MechanismParameters | None = None,
        days: int | None = None,
    ):
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        # Mesa 3.5 reserves `Model.scenario` for its own scenario objects.
        self.city_scenario = scenario
        self.seed = seed
        self.params = parameters or scenario.mechanism_parameters()
        self.calendar = scenario.calendar
        self.days = self.calendar.days if days is None else int(days)
        self.campaign_day = self.calendar.day_of(self.calendar.campaign_start.value)
        self.streams = Streams(seed)

        city = scenario.city
        self.layout = build_city(scenario, self.streams["layout"])
        self.households = Households(self.layout, self.params, self.streams["households"])
        self.fields = CellFields(self.layout)
        self.offenders = Offenders(self.layout, city.offenders.value, self.params, self.streams)
        per_household_day = 1.0 / (1000.0 * 365.0)
        self.disputes = Disputes(city.baseline.disputes.value * per_household_day, self.streams)
        self.security = SenseOfSecurity(self.layout, self.households, self.params)
        self.dynamic_attractiveness = np.zeros(self.layout.cells)
        self.recent_crime = np.zeros(self.layout.cells)
        self._neighbours = neighbour_sum(
            np.ones(self.layout.cells), self.layout.width, self.layout.height
        )
        self._boost = self.params.attractiveness_boost * float(
            self.layout.static_attractiveness.mean()
        )
        self.unit_strength = 0.0
        self.clearance = self.params.base_arrest_probability
        self.baseline_clearance = self.params.base_arrest_probability

        self.interventions: list[Intervention] = []
        specs = scenario.interventions
        for cls in ORDER:
            spec = getattr(specs, cls.name)
            if spec is not None:
                self.interventions.append(cls(spec, self.calendar))  # type: ignore[arg-type]
        for intervention in self.interventions:
            intervention.bind(self)
        self.grid_workers = next(
            (iv for iv in self.interventions if isinstance(iv, GridWorkers)), None
        )

        baseline = city.baseline
        n_hh = self.households.n
        self.target_offender_crimes = (
            baseline.two_robberies_one_theft.value * n_hh * per_household_day
        )
        self.public_order_target = baseline.public_order.value * n_hh * per_household_day
        self.street_disorder_rate = self.public_order_target
        self.other_criminal_rate = baseline.other_criminal.value * n_hh * per_household_day
        homes_weight = self.layout.homes + self.layout.homes.mean() * (self.layout.homes == 0)
        self._disorder_cdf = np.cumsum(homes_weight) / homes_weight.sum()

        self.record = DailyRecord(self.days, self.calendar.start)
        # Opt-in per-event log: set to a list and each recorded day's offence report is
        # appended to it (validation needs offence homes, cells and days).
        self.event_log: list[OffenceReport] | None = None
        self.day = -scenario.calendar.burn_in_days
        self._burn_in()
        self.treated, self.catchment = self._areas()
        self.running = self.days > 0

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One day: guardians, offenders, disputes, disorder, memory, record."""
        day = self.day
        self._set_guardianship(day)
        events = self._crime_and_disorder(day)
        self._remember(events)
        if day >= 0:
            self._record(day, events)
            if self.event_log is not None:
                self.event_log.append(events["offences"])  # type: ignore[arg-type]
        self.day += 1
        if self.day >= self.days:
            self.running = False

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        while self.running:
            self.step()
            if progress is not None:
                progress(1)

    # ------------------------------------------------------------------ processes
    def attractiveness(self) -> np.ndarray:
        return self.layout.static_attractiveness + self.dynamic_attractiveness

    def general_deterrence(self) -> float:
        """Offending falls as the recent certainty of arrest rises (Nagin 2013)."""
        rise = self.clearance - self.baseline_clearance
        return float(np.exp(-self.params.deterrence_sensitivity * rise))

    def _set_guardianship(self, day: int) -> None:
        self.fields.reset()
        self.unit_strength = 0.0
        for intervention in self.interventions:
            intervention.apply(self, day)
        self.fields.combine(self.params, self.general_deterrence())

    def _visited(self, day: int) -> Callable[[np.ndarray], np.ndarray]:
        workers = self.grid_workers
        if workers is None:
            return lambda homes: np.zeros(homes.size, dtype=bool)
        return lambda homes: workers.visited(homes, self.households, day)

    def _crime_and_disorder(self, day: int) -> dict[str, object]:
        fields, streams = self.fields, self.streams
        self.offenders.turnover(day)
        attractiveness = self.attractiveness()
        self.offenders.move(attractiveness, fields.offending_multiplier)
        offences = self.offenders.offend(
            day,
            attractiveness,
            fields.offending_multiplier,
            fields.arrest_probability,
            fields.place_protection,
            fields.camera_coverage,
            self.households,
        )
        disputes = self.disputes.step(
            day, self.households, self.params, self._visited(day), self.unit_strength
        )
        self.households.record_victimisation(disputes.violent_homes, day)

        # Street disorder: drawn at the no-intervention rate, then thinned by guardianship,
        # so the random numbers do not depend on the mix.
        rng = streams["public_order"]
        n_disorder = int(rng.poisson(self.street_disorder_rate))
        cells = np.searchsorted(self._disorder_cdf, rng.random(n_disorder), side="right")
        cells = np.minimum(cells, self.layout.cells - 1)
        suppress = (
            1.0 - self.params.patrol_deterrence * fields.felt_patrol(self.params)[cells]
        ) * (1.0 - self.params.guardianship_effect * fields.guardianship[cells])
        disorder_cells = cells[rng.random(n_disorder) < suppress]
        fight_cells = self.households.cell[disputes.fight_homes].astype(np.int64)
        violent_cells = self.households.cell[disputes.violent_homes].astype(np.int64)
        other = int(streams["other_crime"].poisson(self.other_criminal_rate))
        return {
            "offences": offences,
            "disputes": disputes,
            "disorder_cells": np.concatenate([disorder_cells, fight_cells]),
            "violent_cells": violent_cells,
            "other_criminal": other,
        }

    def _remember(self, events: dict[str, object]) -> None:
        """Places and households remember today's crime (Short et al. 2008 dynamics)."""
        p = self.params
        offences = events["offences"]
        # Only offender crime feeds the attractiveness field: a domestic dispute turning
        # violent does not draw burglars or robbers (Short et al. model offender crime).
        offender_cells = np.concatenate(
            [
                offences.burglary_cells,  # type: ignore[attr-defined]
                offences.theft_cells,  # type: ignore[attr-defined]
                offences.robbery_cells,  # type: ignore[attr-defined]
            ]
        ).astype(np.int64)
        crime_cells = np.concatenate([offender_cells, events["violent_cells"]])  # type: ignore[list-item]
        counts = np.bincount(offender_cells, minlength=self.layout.cells).astype(float)
        b = self.dynamic_attractiveness
        w, h = self.layout.width, self.layout.height
        spread = neighbour_sum(b, w, h) / self._neighbours
        self.dynamic_attractiveness = (
            (1.0 - p.attractiveness_spread) * b + p.attractiveness_spread * spread
        ) * (1.0 - p.attractiveness_decay) + self._boost * counts
        self.recent_crime *= 1.0 - 1.0 / p.hot_spot_window_days
        self.recent_crime += counts

        offended = (
            offences.burglary_cells.size  # type: ignore[attr-defined]
            + offences.theft_cells.size  # type: ignore[attr-defined]
            + offences.robbery_cells.size  # type: ignore[attr-defined]
            + offences.foiled  # type: ignore[attr-defined]
        )
        if offended:
            today = offences.arrests / offended  # type: ignore[attr-defined]
            self.clearance += (today - self.clearance) / CLEARANCE_MEMORY_DAYS
        self.security.observe(crime_cells, events["disorder_cells"])  # type: ignore[arg-type]
        self.security.note_victims(offences.burglary_homes)  # type: ignore[attr-defined]
        self.security.note_victims(events["disputes"].violent_homes)  # type: ignore[attr-defined]
        self.security.adapt(self.fields.felt_patrol(p), self.fields.guardianship)
        events["crime_cells"] = crime_cells

    def _record(self, day: int, events: dict[str, object]) -> None:
        offences = events["offences"]
        disputes = events["disputes"]
        burglary_theft = offences.burglary_cells.size + offences.theft_cells.size  # type: ignore[attr-defined]
        robbery = offences.robbery_cells.size  # type: ignore[attr-defined]
        violence = disputes.violent_homes.size  # type: ignore[attr-defined]
        other = int(events["other_criminal"])  # type: ignore[call-overload]
        public_order = events["disorder_cells"].size  # type: ignore[attr-defined]
        counts = {
            "burglary_theft": burglary_theft,
            "robbery": robbery,
            "dispute_violence": violence,
            "other_criminal": other,
            "public_order": public_order,
            "disputes_new": disputes.new,  # type: ignore[attr-defined]
        }
        rng = self.streams["reporting"]
        calls = sum(int(rng.binomial(counts[k], REPORTING[k])) for k in REPORTING)
        crime_cells = events["crime_cells"]
        self.record.record(
            day,
            burglary_theft=burglary_theft,
            robbery=robbery,
            dispute_violence=violence,
            other_criminal=other,
            criminal_total=burglary_theft + robbery + violence + other,
            two_robberies_one_theft=burglary_theft + robbery,
            public_order=public_order,
            calls=calls,
            arrests=offences.arrests,  # type: ignore[attr-defined]
            camera_arrests=offences.camera_arrests,  # type: ignore[attr-defined]
            burglaries_foiled=offences.foiled,  # type: ignore[attr-defined]
            disputes_new=disputes.new,  # type: ignore[attr-defined]
            disputes_found=disputes.found,  # type: ignore[attr-defined]
            disputes_mediated=disputes.mediated,  # type: ignore[attr-defined]
            offenders_active=self.offenders.active,
            offenders_jailed=self.offenders.jailed,
            sense_of_security=self.security.share(day, self.households),
            crimes_treated=int(np.count_nonzero(self.treated[crime_cells])),  # type: ignore[index]
            crimes_catchment=int(np.count_nonzero(self.catchment[crime_cells])),  # type: ignore[index]
            crimes_control=int(
                np.count_nonzero(~(self.treated | self.catchment)[crime_cells])  # type: ignore[index]
            ),
        )

    # ------------------------------------------------------------------ set-up
    def _burn_in(self) -> None:
        """Run the unrecorded burn-in with no intervention in force, scaling the offending
        rate and street disorder so the no-intervention city matches the scenario's
        baseline, then set the felt-safety intercept to the baseline share.

        This normalises levels only: every mix of a scenario shares the same burn-in, so
        it cannot absorb an intervention's effect.
        """
        p = self.params
        mean_a = float(self.layout.static_attractiveness.mean())
        self.offenders.kappa = self.target_offender_crimes / max(
            1.0, self.offenders.expected_active * mean_a
        )
        burn_in = -self.day
        phases = [burn_in // 3, burn_in // 3, burn_in - 2 * (burn_in // 3)]
        for length in phases:
            crimes = fights = arrests = offended = 0
            for _ in range(length):
                self._set_guardianship(self.day)
                events = self._crime_and_disorder(self.day)
                self._remember(events)
                o = events["offences"]
                n = o.burglary_cells.size + o.theft_cells.size + o.robbery_cells.size  # type: ignore[attr-defined]
                crimes += n
                offended += n + o.foiled  # type: ignore[attr-defined]
                arrests += o.arrests  # type: ignore[attr-defined]
                fights += events["disputes"].fight_homes.size  # type: ignore[attr-defined]
                self.day += 1
            if length == 0:
                continue
            observed = crimes / length
            if observed > 0:
                self.offenders.kappa *= self.target_offender_crimes / observed
            self.street_disorder_rate = max(0.0, self.public_order_target - fights / length)
            if offended:
                self.clearance = self.baseline_clearance = arrests / offended
        self.security.settle(
            self.city_scenario.city.baseline.sense_of_security.value,
            self.fields.felt_patrol(p),
            self.fields.guardianship,
        )
        self.day = 0

    def _areas(self) -> tuple[np.ndarray, np.ndarray]:
        """Treated cells (those any place-based intervention targets, else the whole
        city) and their catchment (cells within ``CATCHMENT_CELLS`` that are not treated)."""
        treated = np.zeros(self.layout.cells, dtype=bool)
        place_based = False
        for intervention in self.interventions:
            cells = intervention.treated_cells(self)
            if cells is not None:
                treated |= cells
                place_based = True
        if not place_based:
            treated[:] = True
        grid = treated.reshape(self.layout.height, self.layout.width)
        ring = ndimage.binary_dilation(grid, iterations=CATCHMENT_CELLS).ravel() & ~treated
        return treated, ring
