"""Serializers shared by several endpoints: the parts of a concern, a case and a problem.

Output serializers read the context key ``readers`` (ids of the schools whose records the
user reads): a pupil's UPN, a concern's status, case and closing rationale are shown only
there, as on the pages. Field help texts become the OpenAPI description.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from haven.cases.models import Agency, Case, Route
from haven.concerns.models import Amendment, ChildRole, Concern, Location
from haven.core.converters import MAX_ID  # ids larger than this cannot be real

# -- Problems ---------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem, the body of every 4xx answer (``application/problem+json``)."""

    type = serializers.CharField(
        help_text="'about:blank' for plain HTTP errors; urn:haven:problem:<code> for validation and rules."
    )
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    instance = serializers.CharField(help_text="The path that was requested.")
    errors = serializers.DictField(  # type: ignore[assignment]  # DRF's metaclass takes fields out of the class
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field; nested fields as 'children.0.upn'; 'non_field_errors' for the rest.",
    )


# -- Input helpers ------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a time zone. A bare local time is ambiguous around the clock change,
    and an integration's server may not be in Europe/London, so it is refused."""

    default_error_messages = {
        "naive": "Give the time with its time zone, e.g. 2025-03-14T10:30:00Z or 2025-06-14T10:30:00+01:00.",
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str):
            parsed = None
            with contextlib.suppress(ValueError, TypeError):
                parsed = parse_datetime(value)
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


class _JsonStrict:
    """JSON types as the schema says: no number where text is expected, no "yes" for true.
    DRF coerces them (it was made for HTML forms too); an integration sending 12 for a
    narrative, or "false" for urgent, has a bug it should hear about."""

    json_types: tuple[type, ...] = (str,)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, self.json_types) or (bool not in self.json_types and isinstance(data, bool)):
            self.fail("json_type")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class TextField(_JsonStrict, serializers.CharField):
    default_error_messages = {"json_type": "Send text (a JSON string)."}


class PatternField(_JsonStrict, serializers.RegexField):
    default_error_messages = {"json_type": "Send text (a JSON string)."}


class FlagField(_JsonStrict, serializers.BooleanField):
    json_types = (bool,)
    default_error_messages = {"json_type": "Send true or false (a JSON boolean)."}


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# -- Output pieces ------------------------------------------------------------------------------


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    """An absolute URL (as Location and the paging links are), when the request is known."""
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class SchoolOutput(serializers.Serializer):
    urn = serializers.CharField(help_text="The school's unique reference number (DfE).")
    name = serializers.CharField()


class PersonOutput(serializers.Serializer):
    name = serializers.CharField(source="full_name")


class CategoryRefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ChildOutput(serializers.Serializer):
    """A child named in a concern or case, with their role in it."""

    pupil_id = serializers.IntegerField(source="pupil.pk")
    name = serializers.CharField(source="pupil.display_name")
    year_group = serializers.CharField(source="pupil.year_group")
    role = serializers.ChoiceField(choices=ChildRole.choices, help_text="affected, alleged_harmer, witness or other.")
    upn = serializers.SerializerMethodField(help_text="Only for users who read the school's records; otherwise null.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_upn(self, link: Any) -> str | None:
        return link.pupil.upn if link.pupil.school_id in self.context.get("readers", ()) else None


class AmendmentOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Amendment.Kind.choices)
    text = serializers.CharField()
    author = PersonOutput()
    created_at = serializers.DateTimeField()


class AttachmentOutput(serializers.Serializer):
    """Attachments are listed, not served, by the API: open them on the concern's page."""

    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    uploaded_at = serializers.DateTimeField()


class ConcernSummaryOutput(serializers.Serializer):
    """A concern in a list: who, when, where and what kind, not the narrative. Reading the
    narrative is the audited read of one concern (GET /api/v1/concerns/<reference>/)."""

    reference = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="This concern in the API.")
    web_url = serializers.SerializerMethodField(help_text="This concern's page in Haven.")
    school = SchoolOutput()
    recorded_by = PersonOutput()
    recorded_at = serializers.DateTimeField()
    occurred_at = serializers.DateTimeField(help_text="When it happened, which may be before it was recorded.")
    location = serializers.ChoiceField(choices=Location.choices)
    online_platform = serializers.CharField()
    categories = CategoryRefOutput(many=True)
    children = ChildOutput(many=True)
    urgent = serializers.BooleanField()
    source = serializers.CharField(help_text="web, api or pupil_voice.")  # type: ignore[assignment]  # as errors above
    received = serializers.SerializerMethodField(help_text="Whether a safeguarding lead has received it.")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    status = serializers.SerializerMethodField(
        help_text="new, acknowledged, in_case or nfa; null unless you read the school's records."
    )
    case = serializers.SerializerMethodField(
        help_text="The reference of its case; null when not in a case or unless you read the school's records."
    )

    def _reads(self, concern: Concern) -> bool:
        return concern.school_id in self.context.get("readers", ())

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, concern: Concern) -> str:
        return _absolute(self, reverse("api:concern-detail", args=[concern.reference]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, concern: Concern) -> str:
        return _absolute(self, reverse("concerns:detail", args=[concern.reference]))

    def get_received(self, concern: Concern) -> bool:
        return concern.acknowledged_at is not None

    @extend_schema_field(serializers.ChoiceField(choices=Concern.Status.choices, allow_null=True))
    def get_status(self, concern: Concern) -> str | None:
        return concern.status if self._reads(concern) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case(self, concern: Concern) -> str | None:
        return concern.case.reference if concern.case_id and concern.case and self._reads(concern) else None


class ConcernOutput(ConcernSummaryOutput):
    """One concern in full, with its amendments (the concern itself never changes)."""

    location_detail = serializers.CharField()
    what_happened = serializers.CharField()
    child_words = serializers.CharField(help_text="The child's exact words, as they said them.")
    actions_taken = serializers.CharField()
    child_told_next_steps = serializers.ChoiceField(choices=Concern.ToldNextSteps.choices)
    closed_rationale = serializers.SerializerMethodField(
        help_text="Why it was closed with no further action; null unless you read the school's records."
    )
    amendments = AmendmentOutput(many=True)
    attachments = AttachmentOutput(many=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_closed_rationale(self, concern: Concern) -> str | None:
        if concern.status == Concern.Status.NO_FURTHER_ACTION and self._reads(concern):
            return concern.closed_rationale
        return None


class CaseSummaryOutput(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    school = SchoolOutput()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    restricted = serializers.BooleanField(help_text="Only the people named on it may open it.")
    shared_with_trust = serializers.BooleanField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case: Case) -> str:
        return _absolute(self, reverse("api:case-detail", args=[case.reference]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, case: Case) -> str:
        return _absolute(self, reverse("cases:detail", args=[case.reference]))


class CaseConcernOutput(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.SerializerMethodField()
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    urgent = serializers.BooleanField()
    categories = CategoryRefOutput(many=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, concern: Concern) -> str:
        return _absolute(self, reverse("api:concern-detail", args=[concern.reference]))


class DecisionOutput(serializers.Serializer):
    route = serializers.ChoiceField(choices=Route.choices)
    withdrawn = serializers.BooleanField(help_text="True when this row ends an earlier decision for the route.")
    rationale = serializers.CharField()
    statutory_override = serializers.CharField(
        help_text="Why the police or social-care starting point was not followed, when it was not."
    )
    by = PersonOutput()
    at = serializers.DateTimeField()


class OutcomeOutput(serializers.Serializer):
    outcome = serializers.CharField()
    outcome_on = serializers.DateField()
    agency_reference = serializers.CharField()
    by = PersonOutput()
    at = serializers.DateTimeField()


class ReferralOutput(serializers.Serializer):
    agency = serializers.ChoiceField(choices=Agency.choices)
    organisation_name = serializers.CharField()
    pupil_id = serializers.IntegerField(allow_null=True)
    referred_on = serializers.DateField()
    agency_reference = serializers.CharField()
    notes = serializers.CharField()
    by = PersonOutput()
    at = serializers.DateTimeField()
    outcomes = OutcomeOutput(many=True, source="outcomes.all")


class EntryOutput(serializers.Serializer):
    """One chronology entry. Entries come in one total order: by the day they happened (UK
    time); within a day the timed entries by `at`, then those known only to the day
    (`all_day`), in the order they were recorded."""

    at = serializers.DateTimeField(help_text="When it happened; an all-day entry's is the start of its day.")
    all_day = serializers.BooleanField(help_text="Known to the day only (a referral date): `at` carries no time.")
    recorded_at = serializers.DateTimeField()
    kind = serializers.CharField(
        help_text="concern, amendment, event, consideration, decision, parents, referral, outcome, support, "
        "sanction or task."
    )
    title = serializers.CharField()
    text = serializers.CharField()
    by = serializers.CharField()
    case = serializers.CharField(help_text="The case reference, or empty.")
    link = serializers.CharField(help_text="A page in Haven, or empty.")
