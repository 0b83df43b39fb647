"""The rollup's cubes: which combinations of dimensions are kept, per month, in `Cell`.

A cube is a set of dimensions; its cells hold the counters of every combination of their values
that occurs, per month. The finest cube of a *family* holds all of that family's dimensions; the
coarser cubes of the family are sums of it (the rebuild computes them that way, and a test checks
that the incremental updates keep them so). A query is answered by the smallest cube that has every
dimension it filters or breaks down by; a combination no cube has is refused with a clear message.

- `main`: court, institution, product, category, channel, track, door — every combination of up to
  four of these (the total, each alone, each pair, triple and quadruple), every combination of the six
  but institution (five or six of them: a court with three or four filters and a breakdown), and all
  seven together. What a query reads, counting an audience's own scope (with a million cases a year):
  - up to four of the seven, or any number but institution: a cube of exactly its dimensions (at most
    some 20,000 cells a year up to four; 5,000–30,000 for five or six without institution);
  - institution and four or more others, scoped to (or filtered by) one institution — an institution
    with three filters and a breakdown: the largest cube, only that institution's cells of it (the
    partial index `stats_cell_institution`, models.py): some 20,000 of its 180,000 cells a year;
  - institution and four or more others *not* narrowed to one institution — broken down by
    institution, or the region beside an institution's own with four or more filters (which counts
    the other institutions): the largest cube, only the cells that match the filters (the partial
    index `stats_cell_filters`: the four or more filtered values, each value of the others), some
    hundreds to a few thousand of its 180,000 cells a year.
- `mediator`: a mediator alone and with one of court, product, category, channel, track.
- `batch`: a batch with its institution, and with everything of `main`.
- `rule`: the triage rule that routed the case (0: none did), with channel and track (the triage rules page).

A dimension a cell does not have is stored as 0 (ids) or "" (codes): within a cube that has the
dimension, 0 or "" is "none" (a case without category, not yet triaged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from operator import itemgetter

KEY_COLUMNS: tuple[str, ...] = (
    "court_id",
    "institution_id",
    "product",
    "category_id",
    "channel",
    "track",
    "door",
    "batch_id",
    "mediator_id",
    "rule_id",
)
ID_COLUMNS = frozenset(c for c in KEY_COLUMNS if c.endswith("_id"))
EMPTY: dict[str, int | str] = {c: (0 if c in ID_COLUMNS else "") for c in KEY_COLUMNS}

MAIN_DIMS = ("court_id", "institution_id", "product", "category_id", "channel", "track", "door")
MAX_SUMMED = 4  # every combination of up to this many main dimensions is a cube of its own
# ... and every combination of the main dimensions but institution, whatever their number. A query with
# institution and four or more others reads the largest cube; scoped to (or filtered by) one institution, it
# reads only that institution's cells there, through the index `stats_cell_institution` (models.py).
BESIDE_INSTITUTION = tuple(d for d in MAIN_DIMS if d != "institution_id")
LARGEST = "+".join(c.removesuffix("_id") for c in MAIN_DIMS)  # the code of the cube of all seven
# That index: the largest cube's cells only (a partial index), by institution and month, then every other
# column a read filters by, so that only the cells that match are read from the table.
INSTITUTION_INDEX = ("institution_id", "month", *(c for c in MAIN_DIMS if c != "institution_id"))
INSTITUTION_INDEX_NAME = "stats_cell_institution"
# And the largest cube's cells by the values a read filters by, for a read of it *not* narrowed to one institution
# (broken down by institution): such a read pins at least four of these six (the cube is read only for
# institution and four or more others), and the others are pinned to each value they take (`cell_sums_sql`), so
# that only the cells that match are read. The columns with the fewest values first: the fewest combinations
# to try when the first ones are not filtered by.
FILTERS_INDEX = ("track", "channel", "door", "product", "court_id", "category_id", "month")
FILTERS_INDEX_NAME = "stats_cell_filters"


@dataclass(frozen=True)
class Family:
    code: str
    dims: tuple[str, ...]  # the finest cube's dimensions, in KEY_COLUMNS order
    required: str | None = None  # a case without this dimension stays out of the family


@dataclass(frozen=True)
class Cube:
    code: str
    family: str
    dims: frozenset[str]

    @property
    def size(self) -> tuple[int, int]:
        """For choosing the smallest cube that answers a query: fewer dimensions first, then the family."""
        return len(self.dims), FAMILY_ORDER[self.family]


FAMILIES: tuple[Family, ...] = (
    Family("main", MAIN_DIMS),
    Family("mediator", ("court_id", "product", "category_id", "channel", "track", "mediator_id"), "mediator_id"),
    Family("batch", ("court_id", "institution_id", "product", "category_id", "channel", "track", "door", "batch_id"), "batch_id"),
    Family("rule", ("channel", "track", "rule_id")),  # rule 0: no configured rule routed the case
)  # fmt: skip
FAMILY_BY_CODE = {f.code: f for f in FAMILIES}
FAMILY_ORDER = {f.code: i for i, f in enumerate(FAMILIES)}


def _short(column: str) -> str:
    return column.removesuffix("_id")


def _cube(family: str, dims: tuple[str, ...] | frozenset[str]) -> Cube:
    ordered = [c for c in KEY_COLUMNS if c in dims]
    return Cube(code="+".join(_short(c) for c in ordered) or "total", family=family, dims=frozenset(ordered))


def _cubes() -> tuple[Cube, ...]:
    found: dict[str, Cube] = {}

    def add(cube: Cube) -> None:
        found.setdefault(cube.code, cube)

    for n in range(MAX_SUMMED + 1):
        for dims in combinations(MAIN_DIMS, n):
            add(_cube("main", dims))
    for n in range(MAX_SUMMED + 1, len(BESIDE_INSTITUTION) + 1):
        for dims in combinations(BESIDE_INSTITUTION, n):
            add(_cube("main", dims))
    add(_cube("main", MAIN_DIMS))
    add(_cube("mediator", ("mediator_id",)))
    for other in ("court_id", "product", "category_id", "channel", "track"):
        add(_cube("mediator", ("mediator_id", other)))
    add(_cube("batch", ("institution_id", "batch_id")))
    add(_cube("batch", FAMILY_BY_CODE["batch"].dims))
    add(_cube("rule", ("rule_id",)))
    add(_cube("rule", ("channel", "track", "rule_id")))
    return tuple(found.values())


CUBES: tuple[Cube, ...] = _cubes()
CUBE_BY_CODE = {c.code: c for c in CUBES}
CUBES_BY_FAMILY: dict[str, tuple[Cube, ...]] = {f.code: tuple(c for c in CUBES if c.family == f.code) for f in FAMILIES}


def cube_for(dims: set[str] | frozenset[str]) -> Cube | None:
    """The smallest cube holding every one of `dims` (Cell columns), or None."""
    fits = [c for c in CUBES if dims <= c.dims]
    return min(fits, key=lambda c: c.size) if fits else None


EMPTY_VALUES = tuple(EMPTY[c] for c in KEY_COLUMNS)


@cache
def projector(cube: Cube, family: Family) -> Callable[[tuple[int | str, ...]], tuple[int | str, ...]]:
    """A function from a family cell's key (its dims' values, in order) to `cube`'s full KEY_COLUMNS key."""
    n = len(family.dims)
    where = [family.dims.index(c) if c in cube.dims else n + i for i, c in enumerate(KEY_COLUMNS)]
    get = itemgetter(*where)
    return lambda key: get(key + EMPTY_VALUES)


def project(cube: Cube, family: Family, key: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A family cell's key (its dims' values, in order) as the full KEY_COLUMNS tuple of `cube`'s cell."""
    return projector(cube, family)(key)


def finest(family: Family) -> Cube | None:
    """The family's cube with all its dimensions, if it is kept (the mediator family's is not)."""
    return next((c for c in CUBES_BY_FAMILY[family.code] if c.dims == frozenset(family.dims)), None)
