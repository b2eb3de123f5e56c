"""The DSL dashboard's rows, printed in Python: its tables and lists (some 120 rows at a working
school) cost about a thousand variable lookups, a hundred date formats and as many URL reversals
through the template engine, most of the page's time (bench/README.md). Each filter prints
exactly what its template loop printed (autoescaped), which ``test_dashboard_rows`` pins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape as _escape
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

from haven.core.converters import reference_urls

register = template.Library()

_MONTHS = [""] + [str(MONTHS_3[m]).title() for m in range(1, 13)]


def _e(value: Any) -> str:
    return _escape(str(value))


def _day(value: dt.date | dt.datetime) -> str:
    """The date filter's "j M Y" (a time in UK time)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return f"{value.day} {_MONTHS[value.month]} {value.year:04d}"


def _day_time(value: dt.datetime) -> str:
    """The date filter's "j M Y, H:i", in UK time."""
    at = timezone.localtime(value)
    return f"{at.day} {_MONTHS[at.month]} {at.year:04d}, {at.hour:02d}:{at.minute:02d}"


@register.filter(is_safe=True)
def triage_rows(concerns: Iterable[Any], triage_school_ids: set[int]) -> SafeString:
    """The rows of "Concerns to triage", as this loop printed them:

    {% for c in page %}
    <tr>
      <td><a href="{% if c.school_id in triage_school_ids %}{% url 'cases:triage' c.reference %}{% else %}{% url
      'concerns:detail' c.reference %}{% endif %}">{{ c.reference }}</a>{% if c.urgent %} <span class="tag
      tag-urgent">Urgent</span>{% endif %}<br><span class="hint">{{ c.get_location_display }}{% if c.online_platform
      %} ({{ c.online_platform }}){% endif %}</span></td>
      <td>{% for link in c.children.all %}{{ link.pupil.display_name }} <span class="hint">({{
      link.get_role_display|lower }})</span>{% if not forloop.last %}<br>{% endif %}{% endfor %}</td>
      <td>{% for cat in c.categories.all %}{{ cat.name }}{% if not forloop.last %}, {% endif %}{% endfor %}</td>
      <td>{{ c.recorded_at|date:"j M Y, H:i" }}<br><span class="hint">by {{ c.recorded_by.full_name }}</span></td>
      <td>{% if c.acknowledged_at %}Yes{% else %}<strong>Not yet</strong>{% endif %}</td>
    </tr>
    {% empty %}
    <tr><td colspan="5">No concerns are waiting.</td></tr>
    {% endfor %}

    (each tag on one line in the template).
    """
    out: list[str] = []
    triage_url, concern_url = reference_urls("cases:triage"), reference_urls("concerns:detail")
    for c in concerns:
        url = triage_url if c.school_id in triage_school_ids else concern_url
        children = "<br>".join(
            f'{_e(link.pupil.display_name)} <span class="hint">({_e(link.get_role_display().lower())})</span>'
            for link in c.children.all()
        )
        out.append(
            "\n    <tr>\n"
            f'      <td><a href="{_e(url(c.reference))}">{_e(c.reference)}</a>'
            + (' <span class="tag tag-urgent">Urgent</span>' if c.urgent else "")
            + f'<br><span class="hint">{_e(c.get_location_display())}'
            + (f" ({_e(c.online_platform)})" if c.online_platform else "")
            + "</span></td>\n"
            f"      <td>{children}</td>\n"
            f"      <td>{', '.join(_e(cat.name) for cat in c.categories.all())}</td>\n"
            f'      <td>{_day_time(c.recorded_at)}<br><span class="hint">by {_e(c.recorded_by.full_name)}</span></td>\n'
            f"      <td>{'Yes' if c.acknowledged_at else '<strong>Not yet</strong>'}</td>\n"
            "    </tr>\n    "
        )
    if not out:
        return mark_safe('\n    <tr><td colspan="5">No concerns are waiting.</td></tr>\n    ')
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)


@register.filter(is_safe=True)
def open_case_rows(cases: Iterable[Any], today: dt.date) -> SafeString:
    """The rows of "Open cases", as this loop printed them:

    {% for case in open_cases %}
    <tr><td><a href="{% url 'cases:detail' case.reference %}">{{ case.reference }}</a>: {{ case.title }}{% if
    case.restricted %} <span class="tag">Restricted</span>{% endif %}</td><td>{{ case.opened_at|date:"j M Y"
    }}</td><td>{{ case.open_tasks }}</td><td>{% if case.next_due %}{% if case.next_due < today %}<strong
    class="attention">{{ case.next_due|date:"j M Y" }} (overdue)</strong>{% else %}{{ case.next_due|date:"j M Y"
    }}{% endif %}{% else %}–{% endif %}</td></tr>
    {% empty %}
    <tr><td colspan="4">No open cases.</td></tr>
    {% endfor %}
    """
    out: list[str] = []
    case_url = reference_urls("cases:detail")
    for case in cases:
        if not case.next_due:
            due = "–"
        elif case.next_due < today:
            due = f'<strong class="attention">{_day(case.next_due)} (overdue)</strong>'
        else:
            due = _day(case.next_due)
        out.append(
            f'\n    <tr><td><a href="{_e(case_url(case.reference))}">{_e(case.reference)}</a>: {_e(case.title)}'
            + (' <span class="tag">Restricted</span>' if case.restricted else "")
            + f"</td><td>{_day(case.opened_at)}</td><td>{_e(case.open_tasks)}</td><td>{due}</td></tr>\n    "
        )
    if not out:
        return mark_safe('\n    <tr><td colspan="4">No open cases.</td></tr>\n    ')
    return mark_safe("".join(out))  # noqa: S308 (every value escaped above)


@register.filter(is_safe=True)
def overdue_items(board: Any) -> SafeString:
    """The "Overdue" list's items, as these loops printed them:

    {% for t in board.overdue_tasks %}<li><a href="{% url 'cases:detail' t.case.reference %}">{{ t.case.reference
    }}</a>: task “{{ t.title }}” for {{ t.assignee.full_name }} was due {{ t.due_on|date:"j M Y" }}</li>{% endfor %}
    {% for r in board.overdue_referrals %}<li><a href="{% url 'cases:detail' r.case.reference %}#referrals">{{
    r.case.reference }}</a>: no outcome yet from {{ r }} made {{ r.referred_on|date:"j M Y" }} (more than 10 school
    days ago)</li>{% endfor %}

    (the two loops on two lines, as in the template).
    """
    case_url = reference_urls("cases:detail")
    tasks = "".join(
        f'<li><a href="{_e(case_url(t.case.reference))}">{_e(t.case.reference)}</a>: task “{_e(t.title)}” for '
        f"{_e(t.assignee.full_name)} was due {_day(t.due_on)}</li>"
        for t in board.overdue_tasks
    )
    referrals = "".join(
        f'<li><a href="{_e(case_url(r.case.reference))}#referrals">{_e(r.case.reference)}</a>: no outcome yet from '
        f"{_e(r)} made {_day(r.referred_on)} (more than 10 school days ago)</li>"
        for r in board.overdue_referrals
    )
    return mark_safe(f"{tasks}\n    {referrals}")  # noqa: S308 (every value escaped above)
