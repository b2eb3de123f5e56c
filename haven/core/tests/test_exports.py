"""CSV downloads never carry a cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from haven.core.exports import csv_response, inert


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_could_run_is_made_text(start):
    assert inert(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'


@pytest.mark.parametrize("value", ["Toilets", "<5", "[c]", "", "12", 12, -3, None, "a=b"])
def test_everything_else_is_left_alone(value):
    assert inert(value) == value


def test_the_download_is_utf8_with_every_cell_inert():
    response = csv_response("x.csv", ["=name", "n"], [["=1+1", 3], ["Zoë ✓", "-2"]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["'=name", "n"], ["'=1+1", "3"], ["Zoë ✓", "'-2"]]
