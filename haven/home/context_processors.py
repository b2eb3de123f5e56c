from typing import TypeGuard

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from haven.access.policy import Capability, authorities_for, has_any, trusts_for
from haven.accounts.models import User
from haven.accounts.sessions import duration_words
from haven.alerts.selectors import delivery_banner_for


def _nav(user: User, path: str) -> list[tuple[str, str, bool]]:
    """Main navigation for the signed-in user, only what their roles open, as
    (label, url, is the current section)."""
    items = [("Home", reverse("home:home"))]
    if has_any(user, Capability.RECORD_CONCERN):
        items.append(("Record a concern", reverse("concerns:new")))
        items.append(("Your concerns", reverse("concerns:mine")))
    if has_any(user, Capability.READ_SCHOOL_RECORDS):
        items.append(("Safeguarding", reverse("cases:dashboard")))
        items.append(("Pupils", reverse("people:pupil_list")))
        items.append(("Safety plans", reverse("safety_plans:list")))
    if has_any(user, Capability.PUPIL_VOICE_INBOX):
        items.append(("Pupils' reports", reverse("pupil_voice:inbox")))  # surveys are linked from there
    elif has_any(user, Capability.SURVEY_RESULTS):
        items.append(("Pupil surveys", reverse("pupil_voice:surveys")))
    if has_any(user, Capability.RESOURCES_READ):
        items.append(("Resources", reverse("resources:list")))
    if has_any(user, Capability.CASE_STUDIES_READ):
        items.append(("Case studies", reverse("case_studies:list")))
    if has_any(user, Capability.NETWORK_MANAGE) or has_any(user, Capability.NETWORK_ATTEND):
        items.append(("Network meetings", reverse("network:index")))
    if has_any(user, Capability.S175_READ) or authorities_for(user, Capability.S175_COLLECT):
        items.append(("S175 audit", reverse("compliance:index")))
    if (
        has_any(user, Capability.MANAGE_PEOPLE)
        or trusts_for(user, Capability.MANAGE_PEOPLE)
        or authorities_for(user, Capability.MANAGE_AUTHORITY_PEOPLE)
    ):
        items.append(("People", reverse("manage:people")))
    if (
        has_any(user, Capability.READ_SCHOOL_RECORDS)
        or trusts_for(user, Capability.TRUST_DASHBOARDS)
        or authorities_for(user, Capability.COUNTY_DASHBOARDS)
    ):
        items.append(("Insights", reverse("insights")))
    if authorities_for(user, Capability.ENQUIRY_LOG):
        items.append(("Enquiry log", reverse("insights:enquiries")))
    if authorities_for(user, Capability.MANAGE_TAXONOMY):
        items.append(("Categories", reverse("taxonomy")))
    items.append(("Your account", reverse("accounts:account")))
    return [(label, url, path == url or (url != "/" and path.startswith(url))) for label, url in items]


def signed_in(user: object) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_authenticated


def haven(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)  # absent on a page that failed before authentication
    return {
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_idle_words": duration_words(settings.SESSION_IDLE_SECONDS),
        "session_max_words": duration_words(settings.SESSION_MAX_SECONDS),
        "haven_env": settings.HAVEN_ENV,
        "nav": _nav(user, request.path) if signed_in(user) else [],
        # Email alerts failing (haven.alerts): said on every page of a DSL, deputy or administrator.
        "alert_banner": delivery_banner_for(user) if signed_in(user) else None,
    }
