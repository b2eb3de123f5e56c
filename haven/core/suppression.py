"""Small-number suppression for counts shown outside a school (DESIGN §8).

Any count from 1 to 4 is hidden and shown as "<5" (primary suppression). A hidden count
must not be worked out from what is still shown, so further cells are hidden too
(secondary suppression) until none can be.

The table is read with its row totals, column totals and grand total, as one bordered
table in which every line (row or column) adds up to its margin. Which hidden cells can be
worked out from the shown ones by adding and subtracting lines? Put the margins on the
other side of their lines (negate them) and every line of the bordered table sums to zero.
The hidden cells are then the edges of a bipartite graph between its rows and columns;
the unknowns that the line sums leave free are exactly the cycles of that graph, so a hidden
cell is fixed by the totals if and only if its edge is a *bridge* (on no cycle). Secondary
suppression therefore hides further cells, the least informative first (a row's own total
before its neighbours, then the smallest), until no hidden cell is a bridge
and no line's hidden cells are all forced to be 1 (a line whose hidden cells add up to
their number, when zeros are shown and every hidden small count is at least 1).

A fully hidden bordered table is always safe (every edge of a complete bipartite graph
with at least two nodes on each side lies on a 4-cycle), so the loop always ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

THRESHOLD = 5
SMALL = "<5"
HIDDEN = "[c]"


@dataclass(frozen=True)
class Cell:
    """One published figure: its value is None when hidden."""

    value: int | None
    primary: bool = False  # hidden because it is 1-4 itself

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        if self.value is not None:
            return f"{self.value:,}"
        return SMALL if self.primary else HIDDEN


@dataclass(frozen=True)
class SuppressedTable:
    """A table ready to publish: ``cells[i][j]``, ``row_totals[i]``, ``column_totals[j]``, ``total``."""

    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell

    def bordered(self) -> list[list[Cell]]:
        """Rows with their total at the end, then the totals row (as the table is printed)."""
        return [[*row, rt] for row, rt in zip(self.cells, self.row_totals, strict=True)] + [
            [*self.column_totals, self.total]
        ]

    @property
    def hidden_count(self) -> int:
        return sum(1 for row in self.bordered() for c in row if c.hidden)


def is_small(value: int, threshold: int = THRESHOLD) -> bool:
    return 0 < value < threshold


def suppress(
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    hide: Iterable[tuple[int, int]] = (),
) -> SuppressedTable:
    """Hide small counts and whatever would let them be worked out; totals are computed here.

    ``counts`` is a list of rows of non-negative integers, all the same length (at least one
    row and one column). ``hide`` names further cells of the bordered table (row, column;
    the totals are the last row and column) to hide from the start: the way to keep two
    tables that publish the same totals consistent (see :func:`suppress_together`).
    """
    rows = [list(map(int, r)) for r in counts]
    if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("counts must be a non-empty rectangle")
    if any(v < 0 for r in rows for v in r):
        raise ValueError("counts cannot be negative")
    n_cols = len(rows[0])
    grid = [[*r, sum(r)] for r in rows]
    grid.append([*(sum(r[j] for r in rows) for j in range(n_cols)), sum(map(sum, rows))])
    primary = {(i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if is_small(v, threshold)}
    start = set(primary) | {(i, j) for i, j in hide if 0 <= i < len(grid) and 0 <= j < len(grid[0])}
    # Two ways of protecting the small counts, and the one that keeps more of what readers
    # use: a row's total is the least informative figure (the sum of the cells beside it),
    # so protecting a month's small count by its total keeps the month's other figures;
    # but where that would hide the grand or a column's total, the smallest neighbour is
    # hidden instead (both ways are safe: the loop stops only when nothing can be worked out).
    ways = []
    for row_totals_first in (True, False):
        hidden = set(start)
        _secondary(grid, hidden, threshold, row_totals_first=row_totals_first)
        ways.append(hidden)
    hidden = min(ways, key=lambda h: _loss(h, len(grid), len(grid[0])))
    cell = [
        [Cell(None if (i, j) in hidden else v, primary=(i, j) in primary) for j, v in enumerate(row)]
        for i, row in enumerate(grid)
    ]
    return SuppressedTable(
        cells=tuple(tuple(r[:-1]) for r in cell[:-1]),
        row_totals=tuple(r[-1] for r in cell[:-1]),
        column_totals=tuple(cell[-1][:-1]),
        total=cell[-1][-1],
    )


def _loss(hidden: set[tuple[int, int]], n_rows: int, n_cols: int) -> tuple[int, int, int, int]:
    """What a reader loses, most important first: the grand total, the column totals, the
    cells, the row totals."""
    grand = (n_rows - 1, n_cols - 1)
    column_totals = sum(1 for i, j in hidden if i == n_rows - 1 and j < n_cols - 1)
    cells = sum(1 for i, j in hidden if i < n_rows - 1 and j < n_cols - 1)
    row_totals = sum(1 for i, j in hidden if j == n_cols - 1 and i < n_rows - 1)
    return (grand in hidden, column_totals, cells, row_totals)


def _secondary(
    grid: list[list[int]], hidden: set[tuple[int, int]], threshold: int = THRESHOLD, *, row_totals_first: bool = True
) -> None:
    """Hide more cells of the bordered ``grid`` until no hidden one can be worked out."""
    n_rows, n_cols = len(grid), len(grid[0])
    while True:
        problem_kind = "line"
        problem = _weak_line(grid, hidden) or _pinned_line(grid, hidden, threshold)
        if problem is None:
            problem_kind, problem = "bridge", _bridge(grid, hidden)
        if problem is None:
            return
        candidates = [c for c in problem if c not in hidden]
        if not candidates:  # cannot happen, but never loop forever: hide everything
            hidden.update((i, j) for i in range(n_rows) for j in range(n_cols))
            return
        hidden.add(
            min(
                candidates, key=lambda c: _cost(grid, c, row_totals_first=row_totals_first and problem_kind != "bridge")
            )
        )


def _cost(
    grid: list[list[int]], c: tuple[int, int], *, row_totals_first: bool
) -> tuple[bool, bool, int, tuple[int, int]]:
    """The order in which cells are hidden to protect others: the least informative first.

    Mending a line (a row whose one hidden cell its total would give away), a row's own
    total goes first: it is the sum of the cells beside it, so with them shown a reader
    still knows it to within the hidden small count, while hiding a neighbour instead
    would cost a figure of its own (a month's "Other concerns" because its sexual-harm
    count was small). Then the smallest cell, zeros last. Closing a cycle (a bridge), the
    smallest cell first, as a row total there would open a new line to mend."""
    i, j = c
    value = grid[i][j]
    is_row_total = j == len(grid[0]) - 1 and i < len(grid) - 1 and len(grid[0]) > 2
    return (value == 0, not (row_totals_first and is_row_total), value, c)


def _lines(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    return [[(i, j) for j in range(n_cols)] for i in range(n_rows)] + [
        [(i, j) for i in range(n_rows)] for j in range(n_cols)
    ]


def _weak_line(grid: list[list[int]], hidden: set[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """A line where the hidden cells can be read off: exactly one hidden, or hidden cells
    that add up to their number (so, zeros being shown, each must be 1). Returns its cells."""
    for line in _lines(len(grid), len(grid[0])):
        inside = [c for c in line if c in hidden]
        if not inside:
            continue
        # The margin cell is the line's last; its value is the sum of the others, so the
        # hidden sum of the line's interior cells is what an onlooker can work out.
        if len(inside) == 1:
            return line
        margin = line[-1]
        interior_hidden = [c for c in inside if c != margin]
        if margin not in hidden and interior_hidden:
            hidden_sum = sum(grid[i][j] for i, j in interior_hidden)
            if hidden_sum == len(interior_hidden):
                return line
    return None


Intervals = list[tuple[int, int]]


def _merge(intervals: Intervals) -> Intervals:
    out: Intervals = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _plus(a: Intervals, b: Intervals, cap: int) -> Intervals:
    return _merge([(x + y, min(p + q, cap)) for x, p in a for y, q in b if x + y <= cap])


def _pinned_line(grid: list[list[int]], hidden: set[tuple[int, int]], threshold: int) -> list[tuple[int, int]] | None:
    """A line whose hidden cells an onlooker can pin down from its shown total, knowing that
    "<5" means 1 to 4 and "[c]" means 0 or at least 5 (for example "<5" and "[c]" adding up
    to 6 can only be 1 and 5). Returns the line's cells, or None."""
    for line in _lines(len(grid), len(grid[0])):
        margin = line[-1]
        interior = [c for c in line[:-1] if c in hidden]
        if margin in hidden or len(interior) < 2:
            continue
        total = sum(grid[i][j] for i, j in interior)
        domains = [
            [(1, threshold - 1)]
            if is_small(grid[i][j], threshold)
            else _merge([(0, 0), (threshold, max(total, threshold))])
            for i, j in interior
        ]
        for k, domain in enumerate(domains):
            others: Intervals = [(0, 0)]
            for m, other in enumerate(domains):
                if m != k:
                    others = _plus(others, other, total)
            # Values v of this cell with total - v reachable by the others.
            feasible = 0
            for lo, hi in domain:
                for olo, ohi in others:
                    a, b = max(lo, total - ohi), min(hi, total - olo)
                    feasible += max(0, b - a + 1)
            if feasible <= 1:
                return line
    return None


def _bridge(grid: list[list[int]], hidden: set[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """If a hidden cell is a bridge of the row-column graph of hidden cells, the cells that
    would put it on a cycle (joining the two sides it separates); otherwise None."""
    n_rows, n_cols = len(grid), len(grid[0])
    edges = sorted(hidden)
    for edge in edges:
        rest = [e for e in edges if e != edge]
        side = _component(("r", edge[0]), rest)
        if ("c", edge[1]) in side:
            continue
        # A bridge: join a row on the row's side to a column on the other side, or back.
        rows_here = {n for k, n in side if k == "r"}
        cols_here = {n for k, n in side if k == "c"}
        other = _component(("c", edge[1]), rest)
        rows_there = {n for k, n in other if k == "r"}
        cols_there = {n for k, n in other if k == "c"}
        closing = [
            (i, j)
            for i in range(n_rows)
            for j in range(n_cols)
            if ((i in rows_here and j in cols_there) or (i in rows_there and j in cols_here)) and (i, j) != edge
        ]
        if closing:
            return closing
        return [
            (i, j)
            for i in range(n_rows)
            for j in range(n_cols)
            if (i in rows_here) != (j in cols_here) and (i, j) != edge
        ]
    return None


def _component(start: tuple[str, int], edges: list[tuple[int, int]]) -> set[tuple[str, int]]:
    adjacent: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for i, j in edges:
        adjacent.setdefault(("r", i), []).append(("c", j))
        adjacent.setdefault(("c", j), []).append(("r", i))
    seen = {start}
    stack = [start]
    while stack:
        for nxt in adjacent.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def suppress_together(*tables: Sequence[Sequence[int]], threshold: int = THRESHOLD) -> list[SuppressedTable]:
    """Suppress tables that share their column totals (the same counts cut different ways,
    e.g. concerns by month and kind, and by month and place): a total hidden in one is hidden
    in all, and each is suppressed again until they agree, so one table's shown total cannot
    unlock another's hidden cells."""
    shared: set[int] = set()  # hidden columns of the totals row (the last is the grand total)
    while True:
        results = [suppress(t, threshold=threshold, hide=[(len(t), j) for j in shared]) for t in tables]
        hidden = {j for r in results for j, c in enumerate([*r.column_totals, r.total]) if c.hidden}
        if hidden == shared:
            return results
        shared = hidden
