"""The anonymised trend pack: counts by month, kind and hot spot for the meeting's schools,
small numbers suppressed, no child named."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.network.selectors import trend_pack


def test_counts_are_suppressed_and_nothing_identifies_a_child(client, world, net, make_concern):
    # Seven in the corridor, two in the toilets (school A, in the pyramid); five at school B (not).
    for n in range(7):
        make_concern(location="corridor", days_ago=2 + n, what_happened=f"Pushing in the corridor {n}")
    for n in range(2):
        make_concern(location="toilets", days_ago=3 + n)
    for _ in range(5):
        make_concern(
            children=[(world.pupils["b"], "affected")],
            by=world.users["staff_b"],
            location="online",
            online_platform="Snapchat",
            days_ago=2,
        )
    pack = trend_pack(net.meeting)
    locations = dict(pack.by_location.lines())
    assert "Online" not in locations  # school B is not in the pyramid
    assert str(locations["Toilets"][-1]) == "<5"
    total_row = locations["Total"]
    assert total_row[-1].hidden or total_row[-1].value == 9
    # Nothing that can be worked out: the toilets' 2 is hidden everywhere it appears alone.
    shown = [c.value for row in locations.values() for c in row if not c.hidden]
    assert all(v == 0 or v >= 5 for v in shown)

    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("network:trends", args=[net.meeting.pk]))
    assert page.status_code == 200
    assert "&lt;5" in page.text and "Hot spots" in page.text
    for secret in (world.pupils["a"].legal_forename, world.pupils["a"].upn, "Pushing in the corridor", "C-140001"):
        assert secret not in page.text


def test_the_pack_covers_the_thirteen_weeks_before_the_meeting(world, net, make_concern):
    make_concern(location="corridor", days_ago=200)
    pack = trend_pack(net.meeting)
    assert pack.end - pack.start == dt.timedelta(weeks=13)
    assert pack.by_location.rows == ["No concerns"]
    assert pack.end == timezone.localtime(net.meeting.starts_at).date()


def test_categories_are_grouped_under_their_heading(world, net, make_concern):
    for _ in range(6):
        make_concern(codes=("racist",), days_ago=2)
    pack = trend_pack(net.meeting)
    assert len(pack.by_category.rows) == 1
    assert "bullying" in pack.by_category.rows[0].lower()


def test_both_tables_count_each_concern_once_and_share_their_month_totals(world, net, make_concern):
    for _ in range(6):
        make_concern(codes=("bullying", "physical"), location="corridor", days_ago=2)
    for _ in range(2):
        make_concern(codes=("physical",), location="toilets", days_ago=2)
    pack = trend_pack(net.meeting)
    kind, place = pack.by_category.table, pack.by_location.table
    assert [str(c) for c in kind.column_totals] == [str(c) for c in place.column_totals]
    assert str(kind.total) == str(place.total)
    kinds = dict(pack.by_category.lines())
    assert kinds["Total"][-1].hidden or kinds["Total"][-1].value == 8


def test_a_total_hidden_in_one_table_is_hidden_in_the_other():
    from haven.core.suppression import suppress, suppress_together

    by_kind = [[0, 1], [5, 5]]  # the month totals 5 and 6 hide to protect the 1
    by_place = [[5, 0], [0, 6]]  # the same month totals, nothing small
    assert suppress(by_place).hidden_count == 0
    assert suppress(by_kind).column_totals[0].hidden
    kind, place = suppress_together(by_kind, by_place)
    for a, b in zip([*kind.column_totals, kind.total], [*place.column_totals, place.total], strict=True):
        assert a.hidden == b.hidden
    assert place.hidden_count > 0
