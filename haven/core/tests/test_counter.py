"""References count up by one statement per number, on both databases."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.core.models import Counter, counter_next


@pytest.mark.django_db
def test_a_counter_starts_at_one_and_counts_up_in_one_statement():
    with CaptureQueriesContext(connection) as ctx:
        assert counter_next("C:1") == 1
    assert len(ctx.captured_queries) == 1
    assert [counter_next("C:1") for _ in range(3)] == [2, 3, 4]
    assert counter_next("K:1") == 1
    assert dict(Counter.objects.values_list("key", "value")) == {"C:1": 4, "K:1": 1}


@pytest.mark.django_db
def test_a_counter_continues_from_its_stored_value():
    Counter.objects.create(key="C:9", value=41)
    assert counter_next("C:9") == 42
    assert Counter.objects.get(key="C:9").value == 42
