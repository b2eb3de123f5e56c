"""Paging for every list: limit and offset, at most 100 a page."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_OFFSET = 1_000_000_000  # far past any real list, and safely inside a database integer


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 100

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
