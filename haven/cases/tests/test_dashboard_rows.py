"""The dashboard's rows, template loops again in cases/dashboard.html (with the plain-text filters
of haven/workspace/templatetags/dashboard.py for its URLs and dates), print exactly what the
loops printed before they were written in Python: the same HTML, every value escaped once, in
GMT and in summer time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.cases import services
from haven.cases.models import Case, Referral, Task
from haven.cases.selectors import dashboard_for
from haven.workspace.templatetags.dashboard import day, day_time, reference_url

# The loops of cases/dashboard.html as they were first written, with {% url %} and the date filter.
_TRIAGE = '{% for c in page %}\n    <tr>\n      <td><a href="{% if c.school_id in triage_school_ids %}{% url \'cases:triage\' c.reference %}{% else %}{% url \'concerns:detail\' c.reference %}{% endif %}">{{ c.reference }}</a>{% if c.urgent %} <span class="tag tag-urgent">Urgent</span>{% endif %}<br><span class="hint">{{ c.get_location_display }}{% if c.online_platform %} ({{ c.online_platform }}){% endif %}</span></td>\n      <td>{% for link in c.children.all %}{{ link.pupil.display_name }} <span class="hint">({{ link.get_role_display|lower }})</span>{% if not forloop.last %}<br>{% endif %}{% endfor %}</td>\n      <td>{% for cat in c.categories.all %}{{ cat.name }}{% if not forloop.last %}, {% endif %}{% endfor %}</td>\n      <td>{{ c.recorded_at|date:"j M Y, H:i" }}<br><span class="hint">by {{ c.recorded_by.full_name }}</span></td>\n      <td>{% if c.acknowledged_at %}Yes{% else %}<strong>Not yet</strong>{% endif %}</td>\n    </tr>\n    {% empty %}\n    <tr><td colspan="5">No concerns are waiting.</td></tr>\n    {% endfor %}'
_OPEN_CASES = '{% for case in open_cases %}\n    <tr><td><a href="{% url \'cases:detail\' case.reference %}">{{ case.reference }}</a>: {{ case.title }}{% if case.restricted %} <span class="tag">Restricted</span>{% endif %}</td><td>{% for link in case.children.all %}{{ link.pupil.display_name }} <span class="hint">({{ link.get_role_display|lower }})</span>{% if not forloop.last %}<br>{% endif %}{% endfor %}</td><td>{{ case.opened_at|date:"j M Y" }}</td><td>{{ case.open_tasks }}</td><td>{% if case.next_due %}{% if case.next_due < today %}<strong class="attention">{{ case.next_due|date:"j M Y" }} (overdue)</strong>{% else %}{{ case.next_due|date:"j M Y" }}{% endif %}{% else %}–{% endif %}</td></tr>\n    {% empty %}\n    <tr><td colspan="5">No open cases.</td></tr>\n    {% endfor %}'
_OVERDUE = '{% for t in board.overdue_tasks %}<li><a href="{% url \'cases:tasks\' t.case.reference %}#task-{{ t.pk }}">{{ t.case.reference }}</a>: task “{{ t.title }}” for {{ t.assignee.full_name }} was due {{ t.due_on|date:"j M Y" }}</li>{% endfor %}\n    {% for r in board.overdue_referrals %}<li><a href="{% url \'cases:decisions\' r.case.reference %}#referral-{{ r.pk }}">{{ r.case.reference }}</a>: no outcome yet from {{ r }} made {{ r.referred_on|date:"j M Y" }} (more than 10 school days ago)</li>{% endfor %}'

HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;"


def _page(client, user) -> str:
    sign_in(client, user)
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("month", [1, 7])  # GMT and British Summer Time
def test_the_dashboard_rows_print_exactly_as_the_first_template_loops_did(
    client, world, make_concern, second_child, month
):
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
    html = _page(client, dsl)
    # The DSL triages their own school's concerns: the rows link to the triage page.
    assert Template(_TRIAGE).render(Context({"page": concerns, "triage_school_ids": {world.school_a.pk}})) in html
    assert Template(_OPEN_CASES).render(Context({"open_cases": cases, "today": today})) in html
    assert Template(_OVERDUE).render(Context({"board": board})) in html
    # Each hostile value (a platform, a case title, a task, a referral's organisation) is escaped
    # exactly once: never raw, never twice.
    assert "<script>" not in html and "&amp;lt;" not in html and "&amp;amp;" not in html and "&amp;#x27;" not in html
    assert f"({ESCAPED})</span>" in html  # the online platform, in the triage row
    assert f"</a>: {ESCAPED}</td>" in html  # the case's title, in the open cases
    assert (
        f"task “{ESCAPED}” for" in html and f"no outcome yet from Referral to {ESCAPED} made" in html
    )  # the overdue list


def test_a_reader_who_cannot_triage_is_linked_to_the_concern(client, world, make_concern):
    """The head reads the school's records but does not triage: each row links to the concern."""
    concern = make_concern()
    head = world.users["head_a"]
    html = _page(client, head)
    board = dashboard_for(head)
    concerns = list(board.to_triage)
    assert concern in concerns
    assert Template(_TRIAGE).render(Context({"page": concerns, "triage_school_ids": set()})) in html
    assert f'href="{reverse("concerns:detail", args=[concern.reference])}"' in html


def test_an_empty_dashboard_says_so(client, world):
    html = _page(client, world.users["dsl_a"])
    assert Template(_TRIAGE).render(Context({"page": [], "triage_school_ids": set()})) in html
    assert Template(_OPEN_CASES).render(Context({"open_cases": []})) in html
    assert 'aria-labelledby="overdue-title"' not in html


@pytest.mark.parametrize("month", [1, 3, 7, 10, 12])
def test_the_date_filters_print_as_the_date_filter(month):
    from django.template.defaultfilters import date as date_filter

    for hour in (0, 1, 12, 23):
        at = timezone.make_aware(dt.datetime(2026, month, 28, hour, 5), dt.UTC)
        assert day_time(at) == date_filter(timezone.localtime(at), "j M Y, H:i")  # UK time, as in a template
        assert day(at) == date_filter(timezone.localtime(at), "j M Y")
        assert day(at.date()) == date_filter(at.date(), "j M Y")
    assert day(None) == day_time(None) == ""


def test_reference_url_is_the_url_tag(world, make_concern):
    reference = make_concern().reference
    for view in ("cases:triage", "concerns:detail", "cases:detail"):
        assert reference_url(reference, view) == reverse(view, args=[reference])
