"""The safesim model: a city of households, offenders and an intervention mix.

One step is one day. The schedule follows the ODD's process overview (docs/odd.md):
interventions set today's guardianship, offenders turn over, move and offend, disputes
run their course, disorder and other crime happen, places and households remember, and
the day is recorded.

The city is ``model.grid``, a Mesa ``OrthogonalMooreGrid`` whose PropertyLayers hold the
cell fields; patrol teams, grid workers and cameras are Mesa agents in ``model.agents``;
``model.datacollector`` reports the daily record's columns. Households and offenders
are arrays (one object each would be hundreds of times slower; docs/odd.md, section 2).

**Examples**::

    from safesim.core.model import SafetyModel
    from safesim.core.scenario import load_scenario
    model = SafetyModel(load_scenario("scenarios/small.yaml"), seed=1)
    model.run()
    daily = model.record.frame()
    model.agents.groupby(type).count()      # patrol teams, grid workers, cameras

    import mesa
    rows = mesa.batch_run(SafetyModel, parameters={"scenario": "scenarios/small.yaml",
                          "days": 30, "seed": [1, 2]}, data_collection_period=1)
"""

from __future__ import annotations

import copy
import gc
import random
from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np
from mesa.agent import AgentSet

try:  # Mesa ≥ 3.4 keeps the model's own sets in a class beside AgentSet
    from mesa.agentset import AbstractAgentSet as AgentSetBase
except ImportError:  # Mesa 3.3
    AgentSetBase = AgentSet
from mesa.discrete_space import OrthogonalMooreGrid
from scipy import ndimage

from safesim.core.city import build_city, neighbour_sum
from safesim.core.disputes import Disputes
from safesim.core.events import AreaCounts, DayEvents
from safesim.core.fields import CellFields, CellLayers, Channels
from safesim.core.households import Households
from safesim.core.interventions import ORDER, Intervention
from safesim.core.offenders import OffenceReport, Offenders, fit_offending_rate
from safesim.core.outcomes import DailyRecord, data_collector
from safesim.core.parameters import MechanismParameters
from safesim.core.scenario import Scenario, load_scenario
from safesim.core.security import SenseOfSecurity
from safesim.core.streams import Streams

# The 8 neighbours in the order Mesa's OrthogonalMooreGrid connects them.
_MOORE = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


class CityGrid(OrthogonalMooreGrid):
    """Mesa's Moore grid, connected in one pass: the same connections in the same order,
    set straight into each new cell's ``connections`` instead of through ``Cell.connect``,
    which clears a cache a new cell does not have (a third of the grid's construction)."""

    def _connect_cells_2d(self) -> None:
        if self.torus:
            super()._connect_cells_2d()
            return
        cells = self._cells
        height, width = self.dimensions
        for (i, j), cell in cells.items():
            if 0 < i < height - 1 and 0 < j < width - 1:
                # An inner cell has all 8 neighbours: one dict display, no bounds checks.
                cell.connections = {
                    (-1, -1): cells[i - 1, j - 1],
                    (-1, 0): cells[i - 1, j],
                    (-1, 1): cells[i - 1, j + 1],
                    (0, -1): cells[i, j - 1],
                    (0, 1): cells[i, j + 1],
                    (1, -1): cells[i + 1, j - 1],
                    (1, 0): cells[i + 1, j],
                    (1, 1): cells[i + 1, j + 1],
                }
                continue
            connections = cell.connections
            for di, dj in _MOORE:
                ni, nj = i + di, j + dj
                if 0 <= ni < height and 0 <= nj < width:
                    connections[di, dj] = cells[ni, nj]


class SafetyModel(mesa.Model):
    """A city-scale model of community-safety programmes.

    Args:
        scenario: the validated scenario (city, baseline, interventions, calendar).
        seed: run seed; every random process draws from its own stream derived from it.
        parameters: mechanism strengths; default: ``parameters.resolve(scenario)``
            (evidence defaults, then the scenario's ``parameters:``).
        days: simulated days after the burn-in (default: the scenario's calendar).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        seed: int | None = None,
        parameters: MechanismParameters | None = None,
        days: int | None = None,
        *,
        rng: int | None = None,
    ):
        # A path as well as a Scenario, so ``mesa.batch_run`` can sweep scenario files.
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if seed is None:
            seed = rng
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
        self.layout = build_city(scenario, self.streams["layout"], self.params)
        self.households = Households(self.layout, self.params, self.streams["households"])
        layout = self.layout
        self.grid = CityGrid((layout.width, layout.height), torus=False, random=self.random)
        self.layers = CellLayers(self.grid, layout.width, layout.height)
        self.layers.add("land_use", layout.land_use, dtype=int)
        self.layers.add("homes", layout.homes, dtype=int)
        self.layers.add("static_attractiveness", layout.static_attractiveness)
        self.layers.add("dynamic_attractiveness", 0.0)
        self.layers.add("recent_crime", 0.0)
        self.fields = CellFields(self.layout, self.layers)
        self.offenders = Offenders(self.layout, city.offenders.value, self.params, self.streams)
        per_household_day = 1.0 / (1000.0 * 365.0)
        self.disputes = Disputes(city.baseline.disputes.value * per_household_day, self.streams)
        self.security = SenseOfSecurity(self.layout, self.households, self.params)
        self._neighbours = neighbour_sum(
            np.ones(self.layout.cells), self.layout.width, self.layout.height
        )
        self._boost = self.params.attractiveness_boost * float(
            self.layout.static_attractiveness.mean()
        )
        # City-sized arrays the day reuses rather than allocates: today's attractiveness,
        # and one for the neighbours' mean attractiveness and later the place-based dose;
        # where a layer has no flat view of its own, the field being updated.
        self._attractiveness = np.empty(self.layout.cells)
        self._scratch = np.empty(self.layout.cells)
        self._updating: np.ndarray | None = None
        # The arrest probability offenders face with no intervention, computed as
        # ``CellFields.combine`` computes it, so with no intervention the excess is exactly 0.
        self.base_arrest_probability = 1.0 - (1.0 - self.params.base_arrest_probability)
        # Recent mean arrest probability of offences above the base (expected, not the
        # noisy count of arrests), which general deterrence answers to.
        self.arrest_risk_rise = 0.0

        self.interventions: list[Intervention] = []
        specs = scenario.interventions
        for cls in ORDER:
            spec = getattr(specs, cls.name)
            if spec is not None:
                self.interventions.append(cls(spec, self.calendar))
        for intervention in self.interventions:
            intervention.bind(self)

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
        # Mesa's view of the same record: one model reporter per daily column.
        self.datacollector = data_collector()
        self.recorded_day = -1
        # Opt-in per-event log: set to a list and each recorded day's offence report is
        # appended to it (validation needs offence homes, cells and days).
        self.event_log: list[OffenceReport] | None = None
        self.day = -scenario.calendar.burn_in_days
        self._burn_in()
        # The interventions that say where the campaign is delivered; a counterfactual twin
        # keeps its mix's, so both count crime in the same cells.
        self.area_sources: list[Intervention] = list(self.interventions)
        # Until the campaign starts its treated cells are not known: the whole city stands
        # in, and each day's offender-crime cells are kept to count them again once known.
        whole_city = np.ones(self.layout.cells, dtype=bool)
        self.treated, self.catchment = whole_city, ~whole_city
        self._areas_fixed = False
        self._crime_cells_by_day: list[np.ndarray] = []
        self.areas = AreaCounts(
            treated=self.treated,
            catchment=self.catchment,
            dose=np.zeros(self.layout.cells),
            crime_before=np.zeros(self.layout.cells),
            crime_during=np.zeros(self.layout.cells),
            days_before=0,
            days_during=0,
        )
        self.running = self.days > 0

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One day: guardians, offenders, disputes, disorder, memory, record."""
        day = self.day
        if day >= 0 and not self._areas_fixed and day >= self.campaign_day:
            self._fix_areas()
        self._set_guardianship(day)
        events = self._crime_and_disorder(day)
        self._remember(events)
        if day >= 0:
            self.recorded_day = day
            self._record(day, events)
            self._count_areas(day, events)
            self.datacollector.collect(self)
            if self.event_log is not None:
                self.event_log.append(events.offences)
        self.day += 1
        if self.day >= self.days:
            self.running = False

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        # While the days run, the collector's full passes leave out the objects that were
        # there when the run began (the grid's cells, the agents, the libraries'): a pass
        # would walk all of them to free nothing, and on a city's scale one pass costs a
        # tenth of a year's steps. They are handed back to it when the run ends.
        gc.freeze()
        try:
            while self.running:
                self.step()
                if progress is not None:
                    progress(1)
        finally:
            gc.unfreeze()

    def counterfactual_twin(self) -> SafetyModel | None:
        """This model's no-intervention twin, forked at the end of the burn-in.

        The burn-in has no intervention in force and every random process draws from its
        own stream, so up to day 0 a model and its counterfactual are in the same state;
        the twin is a copy from there on with the interventions and what they set up
        removed. It equals ``SafetyModel(scenario.counterfactual(), seed)`` day by day
        and records crime in this model's treated, catchment and control cells. None when
        the model has already stepped past day 0 or an intervention began in the burn-in.
        """
        if self.day != 0 or any(iv.start_day < 0 for iv in self.interventions):
            return None
        # The twin shares the grid (copying its cells costs seconds) and keeps its own
        # copies of the fields; it has no intervention, so none of the agents.
        memo: dict[int, object] = {
            id(self.grid): self.grid,
            id(self.layers): self.layers.detached(),
            id(self.interventions): [],
        }
        # The area sources the twin keeps (its mix's interventions, so both count crime in
        # the same cells) refer to the mix's agents: shared, as the twin never moves them.
        memo.update({id(agent): agent for agent in self.agents})
        for value in vars(self).values():
            if isinstance(value, AgentSetBase):
                memo[id(value)] = type(value)([], random=random.Random(0))
            elif isinstance(value, dict) and any(
                isinstance(k, mesa.Agent) or isinstance(v, AgentSetBase) for k, v in value.items()
            ):
                memo[id(value)] = {}
        twin = copy.deepcopy(self, memo)
        for value in vars(twin).values():
            if isinstance(value, AgentSetBase):
                value.random = twin.random
        twin.city_scenario = self.city_scenario.counterfactual()
        twin.households.clear_programmes()
        return twin

    # ------------------------------------------------------------------ the city's cells
    @property
    def recent_crime(self) -> np.ndarray:
        """Offender crime at each cell, decaying over ``hot_spot_window_days``."""
        return self.layers["recent_crime"]

    @recent_crime.setter
    def recent_crime(self, values: np.ndarray) -> None:
        self.layers["recent_crime"] = values

    @property
    def dynamic_attractiveness(self) -> np.ndarray:
        """The part of each cell's draw on offenders that recent crime adds."""
        return self.layers["dynamic_attractiveness"]

    @dynamic_attractiveness.setter
    def dynamic_attractiveness(self, values: np.ndarray) -> None:
        self.layers["dynamic_attractiveness"] = values

    def cell_of(self, cells: np.ndarray) -> list:
        """The grid's Cell objects of flat cell numbers (``y * width + x``)."""
        width = self.layout.width
        return [self.grid[(c % width, c // width)] for c in np.asarray(cells).tolist()]

    # ------------------------------------------------------------------ processes
    def attractiveness(self) -> np.ndarray:
        return self.layout.static_attractiveness + self.dynamic_attractiveness

    def general_deterrence(self) -> float:
        """Offending falls as the recent certainty of arrest rises (Nagin 2013)."""
        return float(np.exp(-self.params.deterrence_sensitivity * self.arrest_risk_rise))

    def _set_guardianship(self, day: int) -> None:
        self.fields.reset()
        channels: list[Channels] = []
        for intervention in self.interventions:
            today = intervention.apply(self, day)
            if today is not None:
                channels.append(today)
        self.fields.combine(self.params, self.general_deterrence(), channels)

    def _visited(self, day: int) -> Callable[[np.ndarray], np.ndarray]:
        finders = [iv for iv in self.interventions if "finds_disputes" in iv.channels]
        if not finders:
            return lambda homes: np.zeros(homes.size, dtype=bool)

        def visited(homes: np.ndarray) -> np.ndarray:
            found = finders[0].finds(homes, self.households, day)
            for finder in finders[1:]:
                found = found | finder.finds(homes, self.households, day)
            return found

        return visited

    def _dispute_settings(self, day: int) -> tuple[float, float | None]:
        """Today's ten-household-unit strength and the chance a found dispute is settled
        (None: the finder's own)."""
        unit_strength = 0.0
        settle: float | None = None
        for iv in self.interventions:
            if "unit_watch" in iv.channels:
                unit_strength = max(unit_strength, iv.unit_strength(day))
            if "settles_disputes" in iv.channels:
                base = self.params.mediation_success if settle is None else settle
                settle = iv.settle_chance(day, base)
        return unit_strength, settle

    def _crime_and_disorder(self, day: int) -> DayEvents:
        fields, streams = self.fields, self.streams
        self.offenders.turnover(day)
        attractiveness = np.add(
            self.layout.static_attractiveness,
            self.layers.view("dynamic_attractiveness"),
            out=self._attractiveness,
        )
        self.offenders.move(attractiveness, fields.read("movement_multiplier"))
        offences = self.offenders.offend(
            day,
            attractiveness,
            fields.read("offending_multiplier"),
            fields.read("arrest_probability"),
            fields.read("place_protection"),
            fields.read("camera_coverage"),
            self.households,
            self.base_arrest_probability,
        )
        unit_strength, settle_chance = self._dispute_settings(day)
        disputes = self.disputes.step(
            day, self.households, self.params, self._visited(day), unit_strength, settle_chance
        )
        self.households.record_victimisation(disputes.violent_homes, day)

        # Street disorder: drawn at the no-intervention rate, then thinned by guardianship,
        # so the random numbers do not depend on the mix.
        rng = streams["public_order"]
        n_disorder = int(rng.poisson(self.street_disorder_rate))
        cells = np.searchsorted(self._disorder_cdf, rng.random(n_disorder), side="right")
        cells = np.minimum(cells, self.layout.cells - 1)
        # Guardians thin disorder as they thin offending (general deterrence apart).
        suppress = fields.read("street_multiplier")[cells]
        disorder_cells = cells[rng.random(n_disorder) < suppress]
        fight_cells = self.households.cell[disputes.fight_homes].astype(np.int64)
        violent_cells = self.households.cell[disputes.violent_homes].astype(np.int64)
        other = int(streams["other_crime"].poisson(self.other_criminal_rate))
        return DayEvents(
            offences=offences,
            disputes=disputes,
            disorder_cells=np.concatenate([disorder_cells, fight_cells]),
            violent_cells=violent_cells,
            other_criminal=other,
        )

    def _remember(self, events: DayEvents) -> None:
        """Places and households remember today's crime (Short et al. 2008 dynamics)."""
        p = self.params
        offences = events.offences
        # Only offender crime feeds the attractiveness field: a domestic dispute turning
        # violent does not draw burglars or robbers (Short et al. model offender crime).
        offender_cells = np.concatenate(
            [offences.burglary_cells, offences.theft_cells, offences.robbery_cells]
        ).astype(np.int64)
        crime_cells = np.concatenate([offender_cells, events.violent_cells])
        # A day's few crimes touch few cells: they are added where they fell, and every
        # cell's memory fades in place (adding 0 elsewhere would change nothing).
        places, cases = np.unique(offender_cells, return_counts=True)
        counts = cases.astype(float)
        w, h = self.layout.width, self.layout.height
        b = self._field_to_update("dynamic_attractiveness")
        spread = neighbour_sum(b, w, h, out=self._scratch)
        spread /= self._neighbours
        b *= 1.0 - p.attractiveness_spread
        spread *= p.attractiveness_spread
        b += spread
        b *= 1.0 - p.attractiveness_decay
        b[places] += self._boost * counts
        self._field_updated("dynamic_attractiveness", b)
        events.crime_places, events.crime_counts = places, counts
        events.offender_cells = offender_cells
        recent = self._field_to_update("recent_crime")
        recent *= 1.0 - 1.0 / p.hot_spot_window_days
        recent[places] += counts
        self._field_updated("recent_crime", recent)

        if offences.attempts:
            today = offences.excess_arrest_risk / offences.attempts
            self.arrest_risk_rise += (
                today - self.arrest_risk_rise
            ) / self.params.clearance_memory_days
        self.security.observe(crime_cells, events.disorder_cells)
        self.security.note_victims(offences.burglary_homes)
        self.security.note_victims(events.disputes.violent_homes)
        self.security.adapt(self.fields.read("felt_patrol"), self.fields.read("guardianship"))
        events.crime_cells = crime_cells

    def _field_to_update(self, name: str) -> np.ndarray:
        """Layer ``name`` to update in place: the layer itself where it has a flat view,
        else a copy that ``_field_updated`` stores back."""
        flat = self.layers.storage(name)
        if flat is None:
            flat = self._updating = self.layers[name]
        return flat

    def _field_updated(self, name: str, values: np.ndarray) -> None:
        if values is self._updating:
            self.layers[name] = values
            self._updating = None

    def _record(self, day: int, events: DayEvents) -> None:
        offences = events.offences
        disputes = events.disputes
        burglary_theft = offences.burglary_cells.size + offences.theft_cells.size
        robbery = offences.robbery_cells.size
        violence = disputes.violent_homes.size
        other = events.other_criminal
        public_order = events.disorder_cells.size
        counts = {
            "burglary_theft": burglary_theft,
            "robbery": robbery,
            "dispute_violence": violence,
            "other_criminal": other,
            "public_order": public_order,
            "disputes_new": disputes.new,
        }
        rng = self.streams["reporting"]
        p = self.params
        calls = sum(int(rng.binomial(n, getattr(p, f"reporting_{k}"))) for k, n in counts.items())
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
            arrests=offences.arrests,
            camera_arrests=offences.camera_arrests,
            burglaries_foiled=offences.foiled,
            disputes_new=disputes.new,
            disputes_found=disputes.found,
            disputes_mediated=disputes.mediated,
            offenders_active=self.offenders.active,
            offenders_jailed=self.offenders.jailed,
            sense_of_security=self.security.share(day, self.households),
            **self._area_crimes(events.offender_cells),
        )
        if not self._areas_fixed:
            self._crime_cells_by_day.append(events.offender_cells)

    def _area_crimes(self, cells: np.ndarray) -> dict[str, int]:
        """Offender crimes (burglary, theft, robbery) in the treated cells, their catchment
        and the rest: dispute violence is not what place-based interventions act on."""
        treated = int(np.count_nonzero(self.treated[cells]))
        catchment = int(np.count_nonzero(self.catchment[cells]))
        return {
            "crimes_treated": treated,
            "crimes_catchment": catchment,
            "crimes_control": cells.size - treated - catchment,
        }

    def _fix_areas(self) -> None:
        """Fix the treated cells and their catchment where the campaign begins: the cells
        its place-based interventions target on its first day, chosen (like a trial's hot
        spots) from crime before it, so a mix and its twin share them. The days already
        recorded are counted again in them."""
        self.treated, self.catchment = self._areas()
        self.areas.treated, self.areas.catchment = self.treated, self.catchment
        self._areas_fixed = True
        for day, cells in enumerate(self._crime_cells_by_day):
            self.record.record(day, **self._area_crimes(cells))
        self._crime_cells_by_day = []

    def _count_areas(self, day: int, events: DayEvents) -> None:
        """Where the place-based dose lands in the campaign, and offender crime by cell."""
        areas = self.areas
        places, counts = events.crime_places, events.crime_counts
        if day < self.campaign_day:
            areas.crime_before[places] += counts
            areas.days_before += 1
            return
        fields = self.fields
        dose = np.add(
            fields.read("camera_coverage"), fields.read("patrol_presence"), out=self._scratch
        )
        dose += fields.read("place_protection")
        areas.dose += dose
        areas.crime_during[places] += counts
        areas.days_during += 1

    # ------------------------------------------------------------------ set-up
    def _burn_in(self) -> None:
        """Start the no-intervention city at its equilibrium and run the unrecorded burn-in.

        The offender pool starts with its equilibrium share in jail (arrests at the
        baseline offending level times the time a sentence keeps one there). The burn-in
        has no intervention in force; in its first three quarters the offending rate
        ``kappa`` is fitted to the scenario's baseline from the offenders' expected
        offences (their propensities, not the noisy count of crimes), and street disorder
        to the public-order baseline; the last quarter lets the places' memory settle at
        the fitted rate, starting again from the equilibrium jail. Then the felt-safety intercept
        is set to the baseline share.

        This normalises levels only: every mix of a scenario shares the same burn-in, so
        it cannot absorb an intervention's effect.
        """
        p = self.params
        target = self.target_offender_crimes
        offenders = self.offenders
        offenders.start_in_equilibrium(target, self.base_arrest_probability, self.day)
        mean_a = float(self.layout.static_attractiveness.mean())
        offenders.kappa = target / max(1.0, offenders.active * mean_a)
        burn_in = -self.day
        quarter = burn_in // 4
        for phase, length in enumerate([quarter, quarter, quarter, burn_in - 3 * quarter]):
            fights = 0
            propensities: list[np.ndarray] = []
            for _ in range(length):
                self._set_guardianship(self.day)
                events = self._crime_and_disorder(self.day)
                self._remember(events)
                propensities.append(offenders.propensity)
                fights += events.disputes.fight_homes.size
                self.day += 1
            if length == 0 or phase == 3:
                continue
            offenders.kappa = fit_offending_rate(np.concatenate(propensities), length, target)
            self.street_disorder_rate = max(0.0, self.public_order_target - fights / length)
            if phase == 2:
                # Offending now runs at the baseline rate: restart the jail from its
                # equilibrium, free of what the fitting quarters' off-target crime put there.
                offenders.start_in_equilibrium(target, self.base_arrest_probability, self.day)
        self.security.settle(
            self.city_scenario.city.baseline.sense_of_security.value,
            self.fields.felt_patrol(p),
            self.fields.guardianship,
        )
        self.day = 0

    def _areas(self) -> tuple[np.ndarray, np.ndarray]:
        """Treated cells (those any place-based intervention targets, else the whole
        city) and their catchment (cells within ``catchment_cells`` that are not treated)."""
        treated = np.zeros(self.layout.cells, dtype=bool)
        place_based = False
        for intervention in self.area_sources:
            cells = intervention.treated_cells(self)
            if cells is not None:
                treated |= cells
                place_based = True
        if not place_based:
            treated[:] = True
        grid = treated.reshape(self.layout.height, self.layout.width)
        ring = (
            ndimage.binary_dilation(grid, iterations=self.params.catchment_cells).ravel() & ~treated
        )
        return treated, ring
