"""The dashboard's rows, printed in Python (haven/workspace/templatetags/dashboard.py), are exactly
what its template loops printed: the same HTML, every value escaped, in GMT and in summer time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from haven.cases import services
from haven.cases.models import Case, Referral, Task
from haven.cases.selectors import dashboard_for
from haven.workspace.templatetags.dashboard import open_case_rows, overdue_items, triage_rows

# The loops of cases/dashboard.html before they became the filters.
_TRIAGE = '{% for c in page %}\n    <tr>\n      <td><a href="{% if c.school_id in triage_school_ids %}{% url \'cases:triage\' c.reference %}{% else %}{% url \'concerns:detail\' c.reference %}{% endif %}">{{ c.reference }}</a>{% if c.urgent %} <span class="tag tag-urgent">Urgent</span>{% endif %}<br><span class="hint">{{ c.get_location_display }}{% if c.online_platform %} ({{ c.online_platform }}){% endif %}</span></td>\n      <td>{% for link in c.children.all %}{{ link.pupil.display_name }} <span class="hint">({{ link.get_role_display|lower }})</span>{% if not forloop.last %}<br>{% endif %}{% endfor %}</td>\n      <td>{% for cat in c.categories.all %}{{ cat.name }}{% if not forloop.last %}, {% endif %}{% endfor %}</td>\n      <td>{{ c.recorded_at|date:"j M Y, H:i" }}<br><span class="hint">by {{ c.recorded_by.full_name }}</span></td>\n      <td>{% if c.acknowledged_at %}Yes{% else %}<strong>Not yet</strong>{% endif %}</td>\n    </tr>\n    {% empty %}\n    <tr><td colspan="5">No concerns are waiting.</td></tr>\n    {% endfor %}'
_OPEN_CASES = '{% for case in open_cases %}\n    <tr><td><a href="{% url \'cases:detail\' case.reference %}">{{ case.reference }}</a>: {{ case.title }}{% if case.restricted %} <span class="tag">Restricted</span>{% endif %}</td><td>{{ case.opened_at|date:"j M Y" }}</td><td>{{ case.open_tasks }}</td><td>{% if case.next_due %}{% if case.next_due < today %}<strong class="attention">{{ case.next_due|date:"j M Y" }} (overdue)</strong>{% else %}{{ case.next_due|date:"j M Y" }}{% endif %}{% else %}–{% endif %}</td></tr>\n    {% empty %}\n    <tr><td colspan="4">No open cases.</td></tr>\n    {% endfor %}'
_OVERDUE = '{% for t in board.overdue_tasks %}<li><a href="{% url \'cases:detail\' t.case.reference %}">{{ t.case.reference }}</a>: task “{{ t.title }}” for {{ t.assignee.full_name }} was due {{ t.due_on|date:"j M Y" }}</li>{% endfor %}\n    {% for r in board.overdue_referrals %}<li><a href="{% url \'cases:detail\' r.case.reference %}#referrals">{{ r.case.reference }}</a>: no outcome yet from {{ r }} made {{ r.referred_on|date:"j M Y" }} (more than 10 school days ago)</li>{% endfor %}'

HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


@pytest.mark.parametrize("month", [1, 7])  # GMT and British Summer Time
def test_the_dashboard_rows_print_exactly_as_the_template_loops_did(world, make_concern, second_child, month):
    dsl = world.users["dsl_a"]
    at = timezone.make_aware(dt.datetime(timezone.localdate().year - 1, month, 14, 0, 30))
    make_concern(location="online", online_platform=HOSTILE, what_happened=HOSTILE)
    make_concern(children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")], urgent=True)
    in_case = make_concern(codes=("bullying", "physical"))
    case = services.case_open(by=dsl, concern=in_case, title=HOSTILE)
    Case.objects.filter(pk=case.pk).update(opened_at=at)
    services.task_add(by=dsl, case=case, title=HOSTILE, assignee=dsl, due_on=timezone.localdate())
    Task.objects.update(due_on=at.date())
    services.referral_make(
        by=dsl, case=case, agency="external", organisation_name=HOSTILE, referred_on=timezone.localdate()
    )
    Referral.objects.update(referred_on=at.date())
    second = services.case_open(by=dsl, concern=make_concern())
    services.task_add(by=dsl, case=second, title="Later", assignee=dsl, due_on=timezone.localdate() + dt.timedelta(3))

    board = dashboard_for(dsl)
    concerns, cases = list(board.to_triage), list(board.open_cases)
    assert len(concerns) == 2 and len(cases) == 2 and board.overdue_tasks and board.overdue_referrals
    today = timezone.localdate()
    school_ids = {world.school_a.pk}
    for ids in (school_ids, set()):  # the triage page's link, or the concern's
        assert str(triage_rows(concerns, ids)) == Template(_TRIAGE).render(
            Context({"page": concerns, "triage_school_ids": ids})
        )
    assert str(open_case_rows(cases, today)) == Template(_OPEN_CASES).render(
        Context({"open_cases": cases, "today": today})
    )
    assert str(overdue_items(board)) == Template(_OVERDUE).render(Context({"board": board}))
    assert "<script>" not in str(triage_rows(concerns, school_ids)) + str(open_case_rows(cases, today))
    assert "<script>" not in str(overdue_items(board))


def test_empty_dashboard_rows_print_as_the_loops_did(world):
    empty: dict[str, list[object]] = {"overdue_tasks": [], "overdue_referrals": []}
    assert str(triage_rows([], set())) == Template(_TRIAGE).render(Context({"page": [], "triage_school_ids": set()}))
    assert str(open_case_rows([], timezone.localdate())) == Template(_OPEN_CASES).render(Context({"open_cases": []}))
    assert str(overdue_items(type("Board", (), empty))) == Template(_OVERDUE).render(Context({"board": empty}))
