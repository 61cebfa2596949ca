"""Patrols: police and professional patrol teams sent to hot spots, with Koper-curve dwell."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from mesa.discrete_space import CellAgent

from safesim.core.city import neighbour_sum
from safesim.core.fields import Channels
from safesim.core.interventions.base import Intervention, Portrayal
from safesim.core.parameters import MechanismParameters
from safesim.core.quantities import Calendar, Count, Delivery, PositiveInt, Quantity, Rate

if TYPE_CHECKING:
    from safesim.core.model import SafetyModel


def lowest(values: np.ndarray, n: int, guess: float | None) -> tuple[np.ndarray, float]:
    """The cells ``np.argpartition(values, n - 1)[:n]`` picks, sorted, and the largest of
    their values (the next call's ``guess``).

    Where the n-th smallest value is held by one cell alone, those cells are the ones at
    or below it, whatever the order of a selection, and they are found among the few
    values below ``0.8 × guess`` (yesterday's n-th value of a field that changes little
    from day to day; ``values`` are negative, so 0.8 × guess is the higher bound). A tie
    at the n-th value, or too few values below the bound, takes ``argpartition`` itself,
    so the cells are always the ones it gives."""
    if guess is not None and 0 < n < values.size:
        near = np.flatnonzero(values <= 0.8 * guess)
        if near.size >= n:
            near_values = values[near]
            kth = np.partition(near_values, n - 1)[n - 1]
            if np.count_nonzero(near_values == kth) == 1:
                return near[near_values <= kth], float(kth)
    spots = np.sort(np.argpartition(values, n - 1)[:n])
    return spots, float(values[spots].max())


class PatrolsSpec(Delivery):
    """Scenario entry ``interventions.patrols``."""

    scaled: ClassVar[tuple[str, ...]] = ("officers", "auxiliaries")

    officers: Count
    auxiliaries: Count | None = None
    team_size: Quantity[PositiveInt]
    dwell_minutes: Rate
    allocation: Literal["hot_spots", "random"] = "hot_spots"


class PatrolTeam(CellAgent):
    """One patrol team: an officer and the auxiliaries with them, standing at the hot
    spot it was sent to last. ``beat`` is the cells it visits on the day last run."""

    portrayal: ClassVar[Portrayal] = Portrayal(
        "patrol teams", "circle", 9, "#2471a3", outline="white", name_zh="巡逻队"
    )

    def __init__(self, model: SafetyModel, patrols: Patrols, index: int):
        super().__init__(model)
        self.patrols = patrols
        self.index = index

    @property
    def beat(self) -> np.ndarray:
        patrols = self.patrols
        return patrols.beat_cells[patrols.beat_team == self.index]

    def describe(self) -> str:
        """What the map says when a user points at the team."""
        return f"patrol team #{self.unique_id}: a beat of {len(self.beat)} hot-spot cell(s)"


class Patrols(Intervention):
    """Hot-spot patrols: teams visit the cells with the most recent crime.

    Mechanism: every team is led by a police officer and filled with auxiliaries (辅警
    patrol only with officers), so the teams on a shift are ``min(staff / team_size,
    officers)``: zero officers means no patrol teams, and auxiliaries no officer can lead
    are neither deployed nor costed. Each team-shift (``patrol_shift_minutes``, worked
    ``patrol_duty_days_per_week``) spends ``patrol_share_of_shift`` of its time on visits
    of ``dwell_minutes`` plus ``patrol_travel_minutes``, so longer stops mean fewer
    places. Visits go to the cells with most crime in the last ``hot_spot_window_days``
    (or at random), ``patrol_visits_to_saturate`` each. A cell's
    presence is ``min(1, visits / saturation) × (1 − exp(−dwell / koper_minutes))`` and,
    once visits stop, fades with ``patrol_memory_days`` (residual deterrence). Presence
    lowers offending by up to ``patrol_deterrence``, raises the arrest chance, diffuses
    partly to neighbouring cells, and makes foot patrols visible to residents. Offenders
    also walk away from patrolled cells, so the fall measured in the cells visited (the
    way hot-spot trials measure it) is larger than ``patrol_deterrence`` alone.

    Evidence: Braga et al. 2019 (65 studies; d ≈ 0.13; diffusion outweighs displacement),
    Braga & Weisburd 2020 (−8 % to −16 % in treated hot spots), Ratcliffe et al. 2011
    (−23 % violent crime on foot-patrol beats; gone once patrols stopped), Koper 1995
    (residual deterrence rises with stop length to an optimum of 11–15 min), Gill et al.
    2014 (foot patrol and felt safety).
    """

    name = "patrols"
    spec_class = PatrolsSpec
    order = 40
    label = "patrols"
    label_zh = "巡逻"
    unit = "officer or auxiliary deployed"
    evidence = "Braga et al. 2019; Braga & Weisburd 2020; Ratcliffe et al. 2011; Koper 1995"
    channels = ("offending_cut", "movement_cut", "arrest_boost", "felt_presence")
    lever = "officers"
    lever_label = "Patrol officers"
    lever_field = "officers"
    field_labels: ClassVar[dict[str, str]] = {
        "auxiliaries": "patrol auxiliaries",
        "dwell_minutes": "patrol stop length (minutes)",
    }

    @classmethod
    def lever_changes(cls, spec: PatrolsSpec, size: int) -> dict[str, int]:
        # Auxiliaries keep their ratio to officers: they patrol only in officer-led teams.
        changes = {"officers": size}
        officers = int(spec.officers.value)
        if spec.auxiliaries is not None and officers:
            changes["auxiliaries"] = round(size * int(spec.auxiliaries.value) / officers)
        return changes

    @classmethod
    def lever_note(cls, spec: PatrolsSpec) -> str:
        auxiliaries = int(spec.auxiliaries.value) if spec.auxiliaries is not None else 0
        return f" (+{auxiliaries:,} auxiliaries)" if auxiliaries else ""

    def __init__(self, spec: PatrolsSpec, calendar: Calendar):
        super().__init__(spec, calendar)
        self.spec: PatrolsSpec = spec
        self.presence: np.ndarray | None = None
        self.team_agents: list[PatrolTeam] = []
        # The teams' beats: today's hot spots (sorted) and the team that visits each.
        self.beat_cells = np.zeros(0, dtype=np.int64)
        self.beat_team = np.zeros(0, dtype=np.int64)
        self._team_cell = np.zeros(0, dtype=np.int64)
        self._neighbours: np.ndarray | None = None
        self._visits: np.ndarray | None = None
        # The cells the teams' beats visit (``_visits`` is the saturating count there).
        self._visited = np.zeros(0, dtype=np.int64)

    def bind(self, model: SafetyModel) -> None:
        cells = model.layout.cells
        n_teams = int(np.ceil(self.teams()))
        self.team_agents = [PatrolTeam(model, self, i) for i in range(n_teams)]
        # Teams start at the station, the city's centre cell, until first sent out.
        station = model.cell_of(np.array([cells // 2]))[0]
        self._team_cell = np.full(n_teams, cells // 2, dtype=np.int64)
        for team in self.team_agents:
            team.cell = station
        w, h = model.layout.width, model.layout.height
        self._neighbours = neighbour_sum(np.ones(cells), w, h)
        # What does not change from day to day: the hot-spot tie-break, and the city-sized
        # arrays a day's felt presence (and before it the cells' priorities) and channels
        # are written into.
        self._tie_break = 1e-6 * model.layout.static_attractiveness
        self._last_kth: float | None = None
        self._felt = np.empty(cells)
        self._offending_cut = np.empty(cells)
        self._movement_cut = np.empty(cells)
        self._arrest_boost = np.empty(cells)

    def _deploy(self, model: SafetyModel, hot: np.ndarray) -> None:
        """Deal today's hot spots (sorted) to teams: a team keeps the spots of its beat
        that are still hot, and new spots go to the teams with the shortest beats; a team
        stands at the first spot of its beat and moves only when that spot changes."""
        n_teams = len(self.team_agents)
        team = np.full(hot.size, -1, dtype=np.int64)
        before = self.beat_cells
        if before.size and hot.size:
            at_before = np.minimum(np.searchsorted(before, hot), before.size - 1)
            still = before[at_before] == hot
            team[still] = self.beat_team[at_before[still]]
        new = np.flatnonzero(team < 0)
        if new.size and n_teams:
            load = np.bincount(team[team >= 0], minlength=n_teams)
            shortest = np.argsort(load, kind="stable")
            team[new] = shortest[np.arange(new.size) % n_teams]
        self.beat_cells, self.beat_team = hot, team
        if not n_teams or not hot.size:
            return
        # Each team's first spot (every spot has a team here).
        first = np.full(n_teams, hot.size, dtype=np.int64)
        np.minimum.at(first, team, np.arange(hot.size))
        sent = first < hot.size
        at = np.full(n_teams, -1, dtype=np.int64)
        at[sent] = hot[first[sent]]
        moved = np.flatnonzero((at >= 0) & (at != self._team_cell))
        if moved.size:
            cells = model.cell_of(at[moved])
            for i, cell in zip(moved.tolist(), cells, strict=True):
                self.team_agents[i].cell = cell
            self._team_cell[moved] = at[moved]

    def teams(self) -> float:
        """Patrol teams the staff make up, each led by an officer."""
        officers = self.spec.officers.value
        aux = self.spec.auxiliaries.value if self.spec.auxiliaries else 0
        return min((officers + aux) / self.spec.team_size.value, float(officers))

    def staff(self) -> int:
        """Officers and the auxiliaries deployed with them (those no officer leads stay idle)."""
        officers = self.spec.officers.value
        aux = self.spec.auxiliaries.value if self.spec.auxiliaries else 0
        return officers + min(aux, officers * (self.spec.team_size.value - 1))

    def visits_per_day(self, strength: float, params: MechanismParameters) -> float:
        team_shifts = self.teams() * strength * params.patrol_duty_days_per_week / 7.0
        per_shift = (
            params.patrol_shift_minutes
            * params.patrol_share_of_shift
            / (self.spec.dwell_minutes.value + params.patrol_travel_minutes)
        )
        return team_shifts * per_shift

    def _spots(self, model: SafetyModel, strength: float) -> np.ndarray:
        p = model.params
        n_spots = int(
            min(model.layout.cells, self.visits_per_day(strength, p) / p.patrol_visits_to_saturate)
        )
        if n_spots == 0:
            return np.zeros(0, dtype=np.int64)
        if self.spec.allocation == "hot_spots":
            # Recent crime first; static attractiveness breaks ties among quiet cells.
            # (Written where felt presence goes later in the day.)
            priority = np.add(model.layers.view("recent_crime"), self._tie_break, out=self._felt)
            spots, self._last_kth = lowest(
                np.negative(priority, out=priority), n_spots, self._last_kth
            )
        else:
            spots = model.streams["patrol_allocation"].choice(
                model.layout.cells, n_spots, replace=False
            )
        return spots

    def apply(self, model: SafetyModel, day: int) -> Channels:
        p = model.params
        if self.presence is None:
            self.presence = np.zeros(model.layout.cells)
        self.presence *= np.exp(-1.0 / p.patrol_memory_days)
        s = self.strength(day)
        spots = self._spots(model, s) if s > 0 else np.zeros(0, dtype=np.int64)
        hot = np.sort(spots)
        if self._visits is None:
            self._visits = np.zeros(model.layout.cells)
            self._deploy(model, hot)
            self._visit(p)
        elif not np.array_equal(hot, self.beat_cells):
            self._deploy(model, hot)
            self._visit(p)
        visits = self._visits
        if s > 0:
            # A visited cell's presence is at least a visit's dose (the saturating share
            # of visits there is 1); elsewhere it only fades.
            dose = 1.0 - np.exp(-self.spec.dwell_minutes.value / p.koper_minutes)
            at = self._visited
            self.presence[at] = np.maximum(self.presence[at], dose)
        layers = model.fields.layers
        layers["patrol_presence"] = self.presence
        layers["patrol_visits"] = visits
        felt = self.felt(self.presence, model)
        return Channels(
            offending_cut=np.multiply(p.patrol_deterrence, felt, out=self._offending_cut),
            movement_cut=np.multiply(
                p.patrol_avoidance * p.patrol_deterrence, felt, out=self._movement_cut
            ),
            arrest_boost=np.multiply(p.patrol_arrest_boost, felt, out=self._arrest_boost),
            felt_presence=felt,
        )

    def _visit(self, p: MechanismParameters) -> None:
        """Where the teams' beats are, from the teams themselves: each beat cell gets the
        visits that saturate it."""
        self._visits[self._visited] = 0.0
        self._visited = self.beat_cells[self.beat_team >= 0]
        self._visits[self._visited] = p.patrol_visits_to_saturate

    def felt(self, presence: np.ndarray, model: SafetyModel) -> np.ndarray:
        """Presence plus the share that diffuses to neighbouring cells, written into an
        array the next call rewrites."""
        felt = self._felt
        if not presence.any():
            felt[...] = presence
            return felt
        w, h = model.layout.width, model.layout.height
        around = neighbour_sum(presence, w, h, out=felt)
        around /= self._neighbours
        around *= model.params.patrol_diffusion
        around += presence
        return np.minimum(1.0, around, out=around)

    def treated_today(self, model: SafetyModel) -> np.ndarray:
        return model.fields.patrol_visits > 0

    def treated_cells(self, model: SafetyModel) -> np.ndarray | None:
        # Random visits favour no place: the whole city is treated alike.
        if self.spec.allocation != "hot_spots":
            return None
        spots = self._spots(model, 1.0)
        mask = np.zeros(model.layout.cells, dtype=bool)
        mask[spots] = True
        return mask

    def units(self) -> float:
        return float(self.staff())
