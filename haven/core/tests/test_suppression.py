"""Small-number suppression (DESIGN §8): counts of 1-4 hidden as "<5", and enough other
cells hidden that none of them can be worked out from the totals.

The property tests check the published table against an independent oracle: exact linear
algebra over the rationals (a hidden cell can be worked out from the shown figures exactly
when its unit vector lies in the row space of the line equations restricted to the hidden
cells), not the graph argument the implementation uses.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.core.suppression import HIDDEN, SMALL, suppress


def _bordered_values(counts: list[list[int]]) -> list[list[int]]:
    rows = [[*r, sum(r)] for r in counts]
    rows.append([sum(col) for col in zip(*rows, strict=True)])
    return rows


def _rank(matrix: list[list[Fraction]]) -> int:
    m = [row[:] for row in matrix]
    rank = 0
    n_cols = len(m[0]) if m else 0
    for col in range(n_cols):
        pivot = next((r for r in range(rank, len(m)) if m[r][col] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for r in range(len(m)):
            if r != rank and m[r][col] != 0:
                factor = m[r][col] / m[rank][col]
                m[r] = [a - factor * b for a, b in zip(m[r], m[rank], strict=True)]
        rank += 1
    return rank


def derivable_cells(hidden: list[tuple[int, int]], n_rows: int, n_cols: int) -> list[tuple[int, int]]:
    """Hidden cells of the bordered table whose value the line sums fix (the oracle)."""
    index = {c: k for k, c in enumerate(hidden)}
    equations: list[list[Fraction]] = []
    # Each interior row: cells - row total = 0; each column likewise; the totals row and column too.
    for i in range(n_rows):
        eq = [Fraction(0)] * len(hidden)
        for j in range(n_cols):
            if (i, j) in index:
                eq[index[(i, j)]] += -1 if j == n_cols - 1 else 1
        equations.append(eq)
    for j in range(n_cols):
        eq = [Fraction(0)] * len(hidden)
        for i in range(n_rows):
            if (i, j) in index:
                eq[index[(i, j)]] += -1 if i == n_rows - 1 else 1
        equations.append(eq)
    base = _rank(equations)
    fixed = []
    for cell, k in index.items():
        unit = [Fraction(0)] * len(hidden)
        unit[k] = Fraction(1)
        if _rank([*equations, unit]) == base:
            fixed.append(cell)
    return fixed


def _hidden(table) -> list[tuple[int, int]]:
    return [(i, j) for i, row in enumerate(table.bordered()) for j, c in enumerate(row) if c.hidden]


counts_tables = st.integers(1, 5).flatmap(
    lambda r: st.integers(1, 5).flatmap(
        lambda c: st.lists(
            st.lists(st.one_of(st.integers(0, 6), st.integers(0, 60)), min_size=c, max_size=c),
            min_size=r,
            max_size=r,
        )
    )
)


# -- Examples ------------------------------------------------------------------------------------


def test_it_shows_a_table_with_no_small_numbers_in_full():
    table = suppress([[10, 0], [7, 12]])
    assert [[str(c) for c in row] for row in table.bordered()] == [
        ["10", "0", "10"],
        ["7", "12", "19"],
        ["17", "12", "29"],
    ]
    assert table.hidden_count == 0


def test_it_hides_counts_from_one_to_four_as_less_than_five():
    table = suppress([[3, 10], [9, 12]])
    assert str(table.cells[0][0]) == SMALL
    assert table.cells[0][0].primary


def test_zero_is_shown():
    table = suppress([[0, 10], [9, 12]])
    assert str(table.cells[0][0]) == "0"


def test_a_lone_small_cell_is_not_left_derivable_from_its_row_total():
    """Row 1: 3 + 10 = 13. Hiding only the 3 would let anyone compute 13 - 10."""
    table = suppress([[3, 10], [9, 12]])
    hidden = _hidden(table)
    assert len(hidden) >= 4  # at least a cycle of four
    assert derivable_cells(hidden, 3, 3) == []
    # The other hidden cells are marked as protecting a small number, not as small themselves.
    assert any(str(c) == HIDDEN for row in table.bordered() for c in row)


def test_a_small_total_is_hidden_too():
    table = suppress([[2, 1], [0, 0]])
    assert table.row_totals[0].hidden and table.total.hidden
    assert str(table.total) == SMALL


def test_a_row_of_ones_adding_up_to_its_total_does_not_give_the_ones_away():
    """Five cells of 1 with a shown total of 5 would tell everyone each cell is 1."""
    table = suppress([[1, 1, 1, 1, 1], [9, 9, 9, 9, 9]])
    assert table.row_totals[0].hidden


def test_a_single_row_table_is_protected():
    table = suppress([[2, 30, 40]])
    assert derivable_cells(_hidden(table), 2, 4) == []


@pytest.mark.parametrize("bad", [[], [[]], [[1, 2], [3]], [[-1]]])
def test_it_refuses_a_table_that_is_not_a_rectangle_of_counts(bad):
    with pytest.raises(ValueError):
        suppress(bad)


# -- Properties -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_tables)
def test_no_count_from_one_to_four_is_ever_shown(counts):
    table = suppress(counts)
    for row in table.bordered():
        for cell in row:
            assert cell.hidden or (cell.value is not None and not (0 < cell.value < 5))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_tables)
def test_no_hidden_cell_can_be_worked_out_from_the_totals(counts):
    table = suppress(counts)
    bordered = table.bordered()
    assert derivable_cells(_hidden(table), len(bordered), len(bordered[0])) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_tables)
def test_shown_figures_are_the_true_ones(counts):
    table = suppress(counts)
    truth = _bordered_values(counts)
    for i, row in enumerate(table.bordered()):
        for j, cell in enumerate(row):
            assert cell.hidden or cell.value == truth[i][j]
            assert cell.primary == (0 < truth[i][j] < 5)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_tables)
def test_no_line_of_hidden_cells_is_forced_to_ones(counts):
    """With zeros shown, hidden cells adding up to their own number would all be 1."""
    table = suppress(counts)
    truth = _bordered_values(counts)
    bordered = table.bordered()
    n_rows, n_cols = len(bordered), len(bordered[0])
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)] + [
        [(i, j) for i in range(n_rows)] for j in range(n_cols)
    ]
    for line in lines:
        margin = line[-1]
        if bordered[margin[0]][margin[1]].hidden:
            continue
        interior = [c for c in line[:-1] if bordered[c[0]][c[1]].hidden]
        if interior:
            assert sum(truth[i][j] for i, j in interior) != len(interior)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(5, 500), min_size=3, max_size=3), min_size=1, max_size=6))
def test_a_table_of_large_counts_hides_nothing(counts):
    assert suppress(counts).hidden_count == 0


def _line_values(domains: list[list[int]], total: int) -> list[set[int]]:
    """Brute force: the values each cell takes over every assignment adding up to ``total``."""
    seen: list[set[int]] = [set() for _ in domains]

    def walk(k: int, left: int, chosen: list[int]) -> None:
        if k == len(domains):
            if left == 0:
                for n, v in enumerate(chosen):
                    seen[n].add(v)
            return
        for v in domains[k]:
            if v <= left:
                walk(k + 1, left - v, [*chosen, v])

    walk(0, total, [])
    return seen


small_tables = st.integers(1, 3).flatmap(
    lambda r: st.integers(1, 3).flatmap(
        lambda c: st.lists(st.lists(st.integers(0, 7), min_size=c, max_size=c), min_size=r, max_size=r)
    )
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_tables)
def test_no_hidden_cell_is_pinned_by_its_lines_total_and_what_the_markers_say(counts):
    """An onlooker who knows "<5" is 1-4 and "[c]" is 0 or 5 and over still cannot pin any
    hidden cell from one line's shown total (checked by brute force)."""
    table = suppress(counts)
    truth = _bordered_values(counts)
    bordered = table.bordered()
    n_rows, n_cols = len(bordered), len(bordered[0])
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)] + [
        [(i, j) for i in range(n_rows)] for j in range(n_cols)
    ]
    for line in lines:
        margin = line[-1]
        if bordered[margin[0]][margin[1]].hidden:
            continue
        interior = [c for c in line[:-1] if bordered[c[0]][c[1]].hidden]
        if not interior:
            continue
        total = sum(truth[i][j] for i, j in interior)
        domains = [list(range(1, 5)) if bordered[i][j].primary else [0, *range(5, total + 1)] for i, j in interior]
        for cell, values in zip(interior, _line_values(domains, total), strict=True):
            assert len(values) >= 2, f"cell {cell} of {truth} is pinned to {values}"


def _joint_derivable(tables) -> list[tuple[int, int, int]]:  # (-1, 0, j): shared total j
    """Hidden cells (table, row, column) fixed by the line sums of both tables together, the
    totals row being one set of unknowns shared by both."""
    index: dict[tuple[int, int, int], int] = {}
    for t, table in enumerate(tables):
        bordered = table.bordered()
        last = len(bordered) - 1
        for i, row in enumerate(bordered):
            for j, cell in enumerate(row):
                if cell.hidden:
                    key = (-1, 0, j) if i == last else (t, i, j)  # a shared total is one unknown
                    index.setdefault(key, len(index))
    equations: list[list[Fraction]] = []
    for t, table in enumerate(tables):
        bordered = table.bordered()
        n_rows, n_cols = len(bordered), len(bordered[0])

        def var(i: int, j: int, t=t, last=n_rows - 1):
            return index.get((-1, 0, j) if i == last else (t, i, j))

        for i in range(n_rows):
            eq = [Fraction(0)] * len(index)
            for j in range(n_cols):
                if (k := var(i, j)) is not None:
                    eq[k] += -1 if j == n_cols - 1 else 1
            equations.append(eq)
        for j in range(n_cols):
            eq = [Fraction(0)] * len(index)
            for i in range(n_rows):
                if (k := var(i, j)) is not None:
                    eq[k] += -1 if i == n_rows - 1 else 1
            equations.append(eq)
    base = _rank(equations) if index else 0
    fixed = []
    for key, k in index.items():
        unit = [Fraction(0)] * len(index)
        unit[k] = Fraction(1)
        if _rank([*equations, unit]) == base:
            fixed.append(key)
    return fixed


@st.composite
def table_pairs(draw):
    """Two tables of the same months: the second's month totals equal the first's."""
    first = draw(counts_tables)
    totals = [sum(col) for col in zip(*first, strict=True)]
    rows = draw(st.integers(1, 4))
    second = []
    for _ in range(rows - 1):
        second.append([draw(st.integers(0, total)) for total in totals])
        totals = [t - v for t, v in zip(totals, second[-1], strict=True)]
    second.append(totals)
    return first, second


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_pairs())
def test_tables_sharing_totals_give_nothing_away_together(pair):
    from haven.core.suppression import suppress_together

    first, second = pair
    a, b = suppress_together(first, second)
    assert [c.hidden for c in [*a.column_totals, a.total]] == [c.hidden for c in [*b.column_totals, b.total]]
    assert _joint_derivable([a, b]) == []


# -- Readable tables (issue 17) --------------------------------------------------------------


def _protected_lines(table) -> None:
    """Every row and column whose total is shown has no hidden cell or at least two."""
    bordered = table.bordered()
    n_rows, n_cols = len(bordered), len(bordered[0])
    for i in range(n_rows):
        assert sum(bordered[i][j].hidden for j in range(n_cols)) != 1, f"row {i} gives its hidden cell away"
    for j in range(n_cols):
        assert sum(bordered[i][j].hidden for i in range(n_rows)) != 1, f"column {j} gives its hidden cell away"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_tables)
def test_no_line_has_a_single_hidden_cell(counts):
    _protected_lines(suppress(counts))


# A county's year, by month: concerns about sexual harm (small in most months) and others.
YEAR = [[3, 41], [6, 38], [2, 52], [1, 47], [4, 36], [0, 12], [2, 44], [7, 55], [3, 49], [1, 40], [2, 45], [5, 39]]


def test_a_small_column_does_not_hide_the_other_column_month_after_month():
    """Issue 17: "Other concerns" showed "[c]" in 8 of 12 months because the sexual-harm
    column was small. Each month's small count is now protected by that month's total (the
    least informative figure: the sum of the two beside it), not by its "Other concerns"."""
    table = suppress(YEAR)
    small_months = [m for m, (sexual, _) in enumerate(YEAR) if 0 < sexual < 5]
    assert len(small_months) == 8
    other = [row[1] for row in table.cells]
    assert [str(c) for c in other] == [f"{o:,}" for _, o in YEAR], "every month's other concerns are shown"
    assert all(table.cells[m][0].primary and table.row_totals[m].hidden for m in small_months)
    # What is hidden: the eight small counts and the eight months' totals, nothing else.
    assert table.hidden_count == 16
    assert sum(c.hidden for c in other) == 0
    assert not table.column_totals[0].hidden and not table.column_totals[1].hidden and not table.total.hidden
    bordered = table.bordered()
    assert derivable_cells(_hidden(table), len(bordered), len(bordered[0])) == []
    _protected_lines(table)


def test_one_small_month_costs_one_more_month_total_not_a_column():
    year = [[9, 41], [6, 38], [2, 52], [8, 47], [7, 36], [5, 30]]
    table = suppress(year)
    hidden = _hidden(table)
    # The small count, the smallest other sexual-harm count (5, to close the column), and
    # the two months' totals: four cells, and every "Other concerns" figure is shown.
    assert sorted(hidden) == [(2, 0), (2, 2), (5, 0), (5, 2)]
    assert all(not row[1].hidden for row in table.cells)
    assert derivable_cells(hidden, 7, 3) == []
