"""City layout: a grid of cells with land uses, homes and a static attractiveness.

The layout is generated from the scenario and the ``layout`` random stream: commercial
cells cluster at the centre, villages at the edge, main roads (street and transit squares)
cross the city at a regular spacing, and schools and car parks are scattered. Households
live in residential and village cells, stored sorted by cell so that the homes of cell
``c`` are ``cell_start[c]:cell_start[c + 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from safesim.core.parameters import MechanismParameters
from safesim.core.quantities import LAND_USES

if TYPE_CHECKING:
    from safesim.core.scenario import Scenario

RESIDENTIAL, COMMERCIAL, STREET, SCHOOL, CAR_PARK, VILLAGE = range(len(LAND_USES))


@dataclass
class CityLayout:
    width: int
    height: int
    land_use: np.ndarray  # (cells,) int8 code into LAND_USES
    homes: np.ndarray  # (cells,) households per cell
    cell_start: np.ndarray  # (cells + 1,) offsets into the household arrays
    household_cell: np.ndarray  # (households,) int32 cell of each household
    static_attractiveness: np.ndarray  # (cells,) A0

    @property
    def cells(self) -> int:
        return self.width * self.height

    @property
    def households(self) -> int:
        return int(self.household_cell.size)

    def xy(self, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return cell % self.width, cell // self.width


def static_attractiveness(params: MechanismParameters) -> np.ndarray:
    """Relative draw of each land use on motivated offenders (residential = 1)."""
    return np.array(
        [
            1.0,
            params.attractiveness_commercial,
            params.attractiveness_street,
            params.attractiveness_school,
            params.attractiveness_car_park,
            params.attractiveness_village,
        ]
    )


def robbery_share(params: MechanismParameters) -> np.ndarray:
    """Share of offender crimes at a cell that are robbery or snatching, by land use."""
    return np.array(
        [
            params.robbery_share_residential,
            params.robbery_share_commercial,
            params.robbery_share_street,
            params.robbery_share_school,
            params.robbery_share_car_park,
            params.robbery_share_village,
        ]
    )


def build_city(
    scenario: Scenario, rng: np.random.Generator, params: MechanismParameters | None = None
) -> CityLayout:
    params = params or scenario.mechanism_parameters()
    city = scenario.city
    n_households = city.households.value
    per_cell = city.households_per_cell.value
    shares = city.land_use.shares()
    home_share = shares["residential"] + shares["village"]
    n_home_cells = max(1, int(np.ceil(n_households / per_cell)))
    side = max(4, int(np.ceil(np.sqrt(n_home_cells / home_share))))
    width = height = side
    n_cells = width * height

    land = np.full(n_cells, RESIDENTIAL, dtype=np.int8)
    yy, xx = np.divmod(np.arange(n_cells), width)
    street_share = shares["street"]
    if street_share > 0:
        spacing = max(2, round(2.0 / street_share))
        offset = spacing // 2
        roads = ((xx % spacing) == offset) | ((yy % spacing) == offset)
        land[roads] = STREET
    free = np.flatnonzero(land != STREET)

    # Centrality with smooth noise so districts are irregular but contiguous.
    noise = ndimage.gaussian_filter(rng.standard_normal((height, width)), sigma=side / 12)
    noise = (noise - noise.mean()) / (noise.std() + 1e-12)
    dist = np.hypot(xx - (width - 1) / 2, yy - (height - 1) / 2) / (side / 2)
    centrality = dist + 0.15 * noise.ravel()
    order = free[np.argsort(centrality[free], kind="stable")]
    counts = {k: round(shares[k] * n_cells) for k in LAND_USES if k != "street"}
    n_commercial = min(counts["commercial"], order.size)
    n_village = min(counts["village"], order.size - n_commercial)
    land[order[:n_commercial]] = COMMERCIAL
    if n_village:
        land[order[order.size - n_village :]] = VILLAGE
    middle = order[n_commercial : order.size - n_village]
    pick = rng.permutation(middle)
    n_school = min(counts["school"], pick.size)
    n_park = min(counts["car_park"], pick.size - n_school)
    land[pick[:n_school]] = SCHOOL
    land[pick[n_school : n_school + n_park]] = CAR_PARK

    home_cells = np.flatnonzero((land == RESIDENTIAL) | (land == VILLAGE))
    if home_cells.size == 0:
        home_cells = free[:1]
        land[home_cells] = RESIDENTIAL
    homes = np.zeros(n_cells, dtype=np.int64)
    base, extra = divmod(n_households, home_cells.size)
    homes[home_cells] = base
    if extra:
        homes[rng.choice(home_cells, size=extra, replace=False)] += 1
    cell_start = np.zeros(n_cells + 1, dtype=np.int64)
    np.cumsum(homes, out=cell_start[1:])
    household_cell = np.repeat(np.arange(n_cells, dtype=np.int32), homes)

    heterogeneity = rng.lognormal(mean=0.0, sigma=params.attractiveness_heterogeneity, size=n_cells)
    static = static_attractiveness(params)[land] * heterogeneity
    return CityLayout(
        width=width,
        height=height,
        land_use=land,
        homes=homes,
        cell_start=cell_start,
        household_cell=household_cell,
        static_attractiveness=static,
    )


def neighbour_sum(
    field: np.ndarray, width: int, height: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Sum over each cell's 8 Moore neighbours (edges see fewer), for a flat field.

    With ``out`` (a flat array of the field's size, not ``field`` itself) the sum is
    written there, by the same operations, and ``out`` is returned."""
    grid = field.reshape(height, width)
    if out is None:
        total = ndimage.uniform_filter(grid, size=3, mode="constant", cval=0.0) * 9.0 - grid
        return total.ravel()
    total = out.reshape(height, width)
    # What ``uniform_filter(grid, size=3, output=total)`` does, bit for bit (a 3-wide
    # running mean down the columns, then along the rows of that), without its
    # per-call argument handling, which costs a third of the filter on a city's grid.
    ndimage.uniform_filter1d(grid, 3, 0, total, "constant", 0.0, 0)
    ndimage.uniform_filter1d(total, 3, 1, total, "constant", 0.0, 0)
    total *= 9.0
    total -= grid
    return out
