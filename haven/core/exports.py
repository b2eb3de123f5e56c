"""CSV downloads: UTF-8 a spreadsheet opens as such, and no cell that runs as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

# A cell starting with one of these may run as a formula in a spreadsheet (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A text cell that could run as a formula, made plain text with a leading apostrophe."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_response(filename: str, header: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheets read it as UTF-8
    writer = csv.writer(response)
    writer.writerow([inert(v) for v in header])
    for row in rows:
        writer.writerow([inert(v) for v in row])
    return response
