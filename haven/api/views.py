"""The JSON API, v1: thin views, input → selector or service → output (STYLE.md).

Access is exactly the pages': every read goes through the selector the page uses (so a
record the user may not read answers 404, and the refusal is audited by access.deny), and
every write through the service the page uses.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from haven.access.policy import Capability, deny, has_any, may_amend_concern, reads_cases, schools_for
from haven.audit.context import AuditContext
from haven.cases import selectors as case_selectors
from haven.cases.models import Case, ReferralOutcome, Route
from haven.cases.services import current_routes
from haven.chronology import selectors as chronology
from haven.concerns.models import Amendment, Category, ChildRole, Concern, Location
from haven.concerns.selectors import concern_get_for, concern_list_for
from haven.concerns.services import MAX_NARRATIVE, ChildInConcern, amendment_add, categories_valid_for, concern_submit
from haven.people.models import Pupil

from . import idempotency, selectors
from .errors import problem_responses
from .pagination import Pagination
from .serializers import (
    AmendmentOutput,
    AwareDateTimeField,
    CaseConcernOutput,
    CaseSummaryOutput,
    ChildOutput,
    ConcernOutput,
    ConcernSummaryOutput,
    DecisionOutput,
    EntryOutput,
    FlagField,
    PatternField,
    ReferralOutput,
    SchoolOutput,
    TextField,
    id_field,
)

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.api.request import AuthenticatedRequest
    from haven.organisations.models import School

JSON = "application/json"


def _ok(serializer: Any, code: int = 200, description: str = "") -> dict[Any, OpenApiResponse]:
    return {(code, JSON): OpenApiResponse(serializer, description=description)}


def _context(request: AuthenticatedRequest) -> dict[str, Any]:
    return {"request": request, "readers": selectors.reader_school_ids(request.user)}


def _paginated(
    view: APIView, request: AuthenticatedRequest, queryset: Any, output: type[serializers.Serializer]
) -> Response:
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(page, many=True, context=_context(request)).data)


def _reject_unknown_fields(serializer: serializers.Serializer, data: Any, hints: dict[str, str]) -> None:
    """Refuse fields the endpoint does not know, so a misspelt field is not silently lost."""
    if isinstance(data, dict):
        unknown = {str(k) for k in data} - set(serializer.fields)
        if unknown:
            raise serializers.ValidationError(
                {
                    k: [hints.get(k, "Unknown field: see /api/schema/ for the fields this endpoint takes.")]
                    for k in unknown
                }
            )


# -- Index ------------------------------------------------------------------------------------


class ApiRootApi(APIView):
    """What the API offers, and who you are signed in as (a quick check of a new token)."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ApiIndex"

        user = inline_serializer("ApiUser", {"name": serializers.CharField(), "email": serializers.EmailField()})
        authenticated_by = serializers.ChoiceField(choices=[("token", "token"), ("session", "session")])
        links = serializers.DictField(child=serializers.CharField())

    @extend_schema(summary="API index", responses={**_ok(OutputSerializer), **problem_responses(404)}, tags=["index"])
    def get(self, request: AuthenticatedRequest) -> Response:
        links = {
            "concerns": reverse("api:concern-list"),
            "cases": reverse("api:case-list"),
            "categories": reverse("api:category-list"),
            "schema": reverse("api:schema"),
        }
        data = {
            "user": {"name": request.user.full_name, "email": request.user.email},
            "authenticated_by": "token" if request.auth is not None else "session",
            "links": links,
        }
        return Response(self.OutputSerializer(data).data)


# -- Concerns ---------------------------------------------------------------------------------

ATTACHMENTS_NOT_IN_API = (
    "Attachments cannot be sent through the API. Add files on the concern's page in Haven. For sharing nudes "
    "and semi-nudes, never attach images or videos at all (UKCIS advice): describe what was seen or said."
)


class ConcernChildInput(serializers.Serializer):
    """One child in a new concern: identified by UPN or Haven's pupil id, with their role."""

    upn = PatternField(r"^[A-Za-z0-9]{13}$", required=False, help_text="The pupil's UPN; give this or pupil_id.")
    pupil_id = id_field(required=False, help_text="Haven's id of the pupil; give this or upn.")
    role = serializers.ChoiceField(
        choices=ChildRole.choices,
        help_text="affected (child affected), alleged_harmer (child alleged to have harmed), witness or other.",
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        _reject_unknown_fields(self, data, {})
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("upn" in attrs) == ("pupil_id" in attrs):
            raise serializers.ValidationError("Give the child's upn or their pupil_id (one of them).")
        return attrs


class ConcernListCreateApi(APIView):
    """GET: the concerns you may read. POST: record a concern (policy §4-§5)."""

    pagination_class = Pagination  # for the schema: GET answers a page

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConcernFilter"

        school = serializers.RegexField(r"^[0-9]{6}$", required=False, help_text="Only this school (its URN).")
        status = serializers.ChoiceField(
            choices=Concern.Status.choices,
            required=False,
            help_text="Only concerns with this status, at schools whose records you read.",
        )
        received = serializers.ChoiceField(
            choices=[("true", "true"), ("false", "false")],
            required=False,
            help_text="Only concerns a safeguarding lead has (true) or has not yet (false) received.",
        )
        updated_since = AwareDateTimeField(
            required=False,
            help_text="Only concerns recorded, received, amended or (where you read the school's records) changed "
            "since this time (ISO 8601 with a time zone). For polling: keep the time of your last call.",
        )

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConcernCreate"

        school = PatternField(r"^[0-9]{6}$", help_text="The URN of the school, one where you record concerns.")
        children = ConcernChildInput(  # type: ignore[call-arg]  # the stubs lack ListSerializer's min_length
            many=True,
            min_length=1,
            max_length=50,
            error_messages={"min_length": "Add at least one child: who is this concern about?"},
            help_text="Each child the concern is about, with their own role in it.",
        )
        occurred_at = AwareDateTimeField(help_text="When it happened: ISO 8601 with a time zone, not in the future.")
        location = serializers.ChoiceField(choices=Location.choices)
        location_detail = TextField(max_length=200, required=False, allow_blank=True, default="")
        online_platform = TextField(
            max_length=100,
            required=False,
            allow_blank=True,
            default="",
            help_text="The app, game or website; required when location is online.",
        )
        categories = serializers.ListField(
            child=TextField(max_length=60),
            min_length=1,
            max_length=20,
            error_messages={"min_length": "Choose at least one kind of concern."},
            help_text="Codes from GET /api/v1/categories/ in use on the day it happened. At least one.",
        )
        what_happened = TextField(max_length=MAX_NARRATIVE)
        child_words = TextField(
            max_length=MAX_NARRATIVE,
            required=False,
            allow_blank=True,
            default="",
            help_text="The child's exact words, as they said them. Stored exactly as sent.",
        )
        actions_taken = TextField(max_length=MAX_NARRATIVE, required=False, allow_blank=True, default="")
        child_told_next_steps = serializers.ChoiceField(
            choices=Concern.ToldNextSteps.choices,
            help_text="Was the child told what happens next? yes, no or na (the child did not tell you).",
        )
        urgent = FlagField(
            required=False, default=False, help_text="Alerts every safeguarding lead of the school at once."
        )

        def to_internal_value(self, data: Any) -> dict[str, Any]:
            _reject_unknown_fields(self, data, {"attachments": ATTACHMENTS_NOT_IN_API})
            return super().to_internal_value(data)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            """Turn the identifiers an integration knows (URN, UPN, category code) into
            records, each refusal naming its field. A pupil of another school is "not on
            this school's roll", whether or not they exist elsewhere."""
            user = self.context["request"].user
            school = schools_for(user, Capability.RECORD_CONCERN).filter(urn=attrs["school"]).first()
            if school is None:
                raise serializers.ValidationError(
                    {"school": [f"You do not record concerns at a school with URN {attrs['school']}."]}
                )
            errors: dict[str, Any] = {}
            children, child_errors = _resolve_children(school, attrs["children"])
            if child_errors:
                errors["children"] = child_errors
            on = timezone.localtime(attrs["occurred_at"]).date()
            category_ids, category_errors = _resolve_categories(school, attrs["categories"], on)
            if category_errors:
                errors["categories"] = category_errors
            if errors:
                raise serializers.ValidationError(errors)
            return {**attrs, "school": school, "children": children, "category_ids": category_ids}

    @extend_schema(
        operation_id="concerns_list",
        summary="List concerns",
        description="The concerns you may read, newest first: a member of staff's own, and a safeguarding "
        "lead's or head's school concerns. A summary each: read one concern for its narrative (that read is "
        "audited).",
        parameters=[FilterSerializer],
        responses={(200, JSON): ConcernSummaryOutput(many=True), **problem_responses(400, 404)},
        tags=["concerns"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = selectors.concern_list_api(
            request.user,
            school_urn=f.get("school", ""),
            status=f.get("status", ""),
            received={"true": True, "false": False}.get(f.get("received", "")),
            updated_since=f.get("updated_since"),
        )
        return _paginated(self, request, qs, ConcernSummaryOutput)

    @extend_schema(
        operation_id="concerns_create",
        summary="Record a concern",
        description=(
            "Records a concern as the signed-in user, with source `api`. The same rules as the page apply: at least "
            "one child, each on the school's roll, with their own role; a time with its zone, not in the future; "
            "the platform when it happened online; categories in use on that day. Text is stored exactly as sent "
            "(HTML is not interpreted or stripped). **Attachments are not accepted by the API**: add them on the "
            "concern's page; for sharing nudes and semi-nudes never attach images or videos (UKCIS advice). "
            "Answers 201 with the concern and a `Location` header."
        ),
        request=InputSerializer,
        parameters=idempotency.PARAMETERS,
        responses={
            **_ok(ConcernOutput, 201, "The concern as recorded."),
            **problem_responses(400, 403, 413, 415),
            **idempotency.responses(),
        },
        tags=["concerns"],
    )
    @idempotency.idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        if not has_any(request.user, Capability.RECORD_CONCERN):
            raise PermissionDenied("Your role does not record concerns.")
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        concern = concern_submit(
            by=request.user,
            school=d["school"],
            children=d["children"],
            occurred_at=d["occurred_at"],
            location=d["location"],
            location_detail=d["location_detail"],
            online_platform=d["online_platform"],
            category_ids=d["category_ids"],
            what_happened=d["what_happened"],
            child_words=d["child_words"],
            actions_taken=d["actions_taken"],
            child_told_next_steps=d["child_told_next_steps"],
            urgent=d["urgent"],
            source="api",
            ctx=AuditContext.of(request),
        )
        # The author reads back what they wrote: not a read of someone else's record, so not audited again.
        concern = _concern_detail_queryset(request.user).get(pk=concern.pk)
        url = reverse("api:concern-detail", args=[concern.reference])
        return Response(
            ConcernOutput(concern, context=_context(request)).data,
            status=201,
            headers={"Location": request.build_absolute_uri(url)},
        )


def _resolve_children(school: School, rows: list[dict[str, Any]]) -> tuple[list[ChildInConcern], dict[int, Any]]:
    upns = {r["upn"].upper() for r in rows if "upn" in r}
    ids = {r["pupil_id"] for r in rows if "pupil_id" in r}
    on_roll = Pupil.objects.filter(school=school, left_on__isnull=True).filter(Q(upn__in=upns) | Q(pk__in=ids))
    by_upn, by_id = {}, {}
    for pupil in on_roll.only("pk", "upn"):
        by_upn[pupil.upn.upper()] = pupil.pk
        by_id[pupil.pk] = pupil.pk
    children, errors = [], {}
    for index, row in enumerate(rows):
        if "upn" in row:
            pupil_id = by_upn.get(row["upn"].upper())
            if pupil_id is None:
                errors[index] = {"upn": [f"No pupil with UPN {row['upn']} is on this school's roll."]}
                continue
        else:
            pupil_id = by_id.get(row["pupil_id"])
            if pupil_id is None:
                errors[index] = {"pupil_id": [f"No pupil with id {row['pupil_id']} is on this school's roll."]}
                continue
        children.append(ChildInConcern(pupil_id, row["role"]))
    return children, errors


def _resolve_categories(school: School, codes: list[str], on: dt.date) -> tuple[list[int], list[str]]:
    """Codes to the categories in use at the school on the day; an authority's own category
    of the same code wins over the national one."""
    found: dict[str, int] = {}
    for category in categories_valid_for(school, on).filter(code__in=codes).order_by("authority_id", "pk"):
        if category.code not in found or category.authority_id:
            found[category.code] = category.pk
    missing = [c for c in dict.fromkeys(codes) if c not in found]
    if not missing:
        return list(found.values()), []
    known = set(
        Category.objects.filter(
            Q(authority__isnull=True) | Q(authority_id=school.authority_id), code__in=missing
        ).values_list("code", flat=True)
    )
    errors = [
        f"'{code}' was not in use on {on:%d %B %Y}: see the valid dates in GET /api/v1/categories/."
        if code in known
        else f"Unknown kind of concern '{code}': GET /api/v1/categories/ lists the codes."
        for code in missing
    ]
    return [], errors


def _concern_detail_queryset(user: User) -> Any:
    return (
        concern_list_for(user)
        .select_related("acknowledged_by")
        .prefetch_related(Prefetch("amendments", queryset=Amendment.objects.select_related("author")), "attachments")
    )


class ConcernDetailApi(APIView):
    @extend_schema(
        operation_id="concerns_retrieve",
        summary="Read a concern",
        description="One concern in full, with its amendments and a list of its attachments (open those on its "
        "page). The read is audited; a concern you may not read answers 404, as a missing one does.",
        responses={**_ok(ConcernOutput), **problem_responses(404)},
        tags=["concerns"],
    )
    def get(self, request: AuthenticatedRequest, reference: str) -> Response:
        concern = concern_get_for(request.user, reference, ctx=AuditContext.of(request))
        return Response(ConcernOutput(concern, context=_context(request)).data)


class AmendmentCreateApi(APIView):
    """Append a correction or addition: the concern itself never changes (DESIGN §2)."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AmendmentCreate"

        kind = serializers.ChoiceField(choices=Amendment.Kind.choices)
        text = TextField(max_length=MAX_NARRATIVE)

        def to_internal_value(self, data: Any) -> dict[str, Any]:
            _reject_unknown_fields(self, data, {})
            return super().to_internal_value(data)

    class OutputSerializer(AmendmentOutput):
        class Meta:
            ref_name = "Amendment"

        concern = serializers.CharField(source="concern.reference")

    @extend_schema(
        operation_id="concerns_amendments_create",
        summary="Amend a concern",
        description="The member of staff who recorded the concern, or one of the school's safeguarding leads, "
        "may add a correction or an addition, timed and attributed. To anyone else, including those who may "
        "read the concern (a head, a trust lead), it answers 404, as a concern they cannot read does.",
        request=InputSerializer,
        parameters=idempotency.PARAMETERS,
        responses={
            **_ok(OutputSerializer, 201),
            **problem_responses(400, 404, 413, 415),
            **idempotency.responses(),
        },
        tags=["concerns"],
    )
    @idempotency.idempotent
    def post(self, request: AuthenticatedRequest, reference: str) -> Response:
        ctx = AuditContext.of(request)
        concern = concern_get_for(request.user, reference, ctx=ctx)
        if not may_amend_concern(request.user, concern):
            raise deny(
                ctx,
                actor=request.user,
                object_type="concerns.concern",
                object_id=reference,
                school=concern.school_id,
                reason="amend",
            )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amendment = amendment_add(by=request.user, concern=concern, ctx=ctx, **serializer.validated_data)
        url = request.build_absolute_uri(reverse("api:concern-detail", args=[concern.reference]))
        return Response(self.OutputSerializer(amendment).data, status=201, headers={"Location": url})


# -- Cases ------------------------------------------------------------------------------------


class CaseListApi(APIView):
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CaseFilter"

        school = serializers.RegexField(r"^[0-9]{6}$", required=False, help_text="Only this school (its URN).")
        status = serializers.ChoiceField(choices=Case.Status.choices, required=False)

    @extend_schema(
        operation_id="cases_list",
        summary="List cases",
        description="The cases you may read, newest first: your schools' cases (a restricted case only if you are "
        "named on it) or, for a trust lead, those shared with the trust.",
        parameters=[FilterSerializer],
        responses={(200, JSON): CaseSummaryOutput(many=True), **problem_responses(400, 404)},
        tags=["cases"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        if not reads_cases(request.user):
            raise NotFound()  # as the dashboard: members of staff have no case list
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = selectors.case_list_api(request.user, school_urn=f.get("school", ""), status=f.get("status", ""))
        return _paginated(self, request, qs, CaseSummaryOutput)


class CaseDetailApi(APIView):
    class OutputSerializer(CaseSummaryOutput):
        class Meta:
            ref_name = "Case"

        children = ChildOutput(many=True, source="children.all", help_text="Each child with their role in the case.")
        concerns = CaseConcernOutput(many=True, source="concerns.all")
        current_routes = serializers.ListField(
            child=serializers.ChoiceField(choices=Route.choices),
            source="route_list",
            help_text="The routes decided and not withdrawn (policy §7).",
        )
        decisions = DecisionOutput(
            many=True, source="decision_list", help_text="Every route decision, oldest first, with its rationale."
        )
        referrals = ReferralOutput(many=True, source="referral_list")

    @extend_schema(
        operation_id="cases_retrieve",
        summary="Read a case",
        description="One case: its children with their roles, its concerns, route decisions, current routes and "
        "referrals with their outcomes. The read is audited; a case you may not read answers 404.",
        responses={**_ok(OutputSerializer), **problem_responses(404)},
        tags=["cases"],
    )
    def get(self, request: AuthenticatedRequest, reference: str) -> Response:
        case = case_selectors.case_get_for(request.user, reference, ctx=AuditContext.of(request))
        case.decision_list = list(case.decisions.select_related("by").order_by("at", "pk"))
        case.referral_list = list(
            case.referrals.select_related("by").prefetch_related(
                Prefetch("outcomes", queryset=ReferralOutcome.objects.select_related("by").order_by("at", "pk"))
            )
        )
        case.route_list = sorted(current_routes(case))
        return Response(self.OutputSerializer(case, context=_context(request)).data)


# -- Chronologies -------------------------------------------------------------------------------


class ChronologyFilterSerializer(serializers.Serializer):
    kinds = serializers.CharField(
        required=False,
        max_length=1000,
        help_text="Comma-separated kinds to show: " + ", ".join(chronology.KINDS) + ".",
    )
    from_ = serializers.DateField(required=False, help_text="From this day (YYYY-MM-DD).")
    to = serializers.DateField(required=False, help_text="To this day (YYYY-MM-DD).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = self.fields.pop("from_")

    def validate_kinds(self, value: str) -> str:
        kinds = list(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
        unknown = [k for k in kinds if k not in chronology.KINDS]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown kind {unknown[0]!r}: choose from {', '.join(chronology.KINDS)}."
            )
        return ",".join(kinds)

    def as_filters(self) -> dict[str, str]:
        d = self.validated_data
        return {
            "kinds": d.get("kinds", ""),
            "from": d["from"].isoformat() if d.get("from") else "",
            "to": d["to"].isoformat() if d.get("to") else "",
        }


_CHRONOLOGY_PARAMETERS = [
    OpenApiParameter(
        "kinds",
        {"type": "array", "items": {"type": "string", "enum": list(chronology.KINDS)}},
        style="form",
        explode=False,
        description="Only these kinds of entry, comma-separated.",
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, description="From this day (YYYY-MM-DD)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="To this day (YYYY-MM-DD)."),
]


class CaseChronologyApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CaseChronology"

        case = serializers.CharField()
        count = serializers.IntegerField()
        entries = EntryOutput(many=True)

    @extend_schema(
        operation_id="cases_chronology",
        summary="A case's chronology",
        description="Everything recorded on the case and its concerns, in the order things happened. Audited.",
        parameters=_CHRONOLOGY_PARAMETERS,
        responses={**_ok(OutputSerializer), **problem_responses(400, 404)},
        tags=["cases"],
    )
    def get(self, request: AuthenticatedRequest, reference: str) -> Response:
        filters = ChronologyFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        case = case_selectors.case_get_for(request.user, reference, ctx=AuditContext.of(request))
        entries = chronology.case_chronology(case, filters=filters.as_filters())
        return Response(self.OutputSerializer({"case": case.reference, "count": len(entries), "entries": entries}).data)


class PupilChronologyApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PupilChronology"

        pupil = inline_serializer(
            "ChronologyPupil",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "upn": serializers.CharField(),
                "year_group": serializers.CharField(),
                "school": SchoolOutput(),
            },
        )
        count = serializers.IntegerField()
        entries = EntryOutput(many=True)

    @extend_schema(
        operation_id="pupils_chronology",
        summary="A child's chronology",
        description="One child's chronology across every concern and case that names them, as far as you may see "
        "(a restricted case you are not named on is left out). For those who read the school's records. Audited.",
        parameters=_CHRONOLOGY_PARAMETERS,
        responses={**_ok(OutputSerializer), **problem_responses(400, 404)},
        tags=["pupils"],
    )
    def get(self, request: AuthenticatedRequest, pupil_id: int) -> Response:
        filters = ChronologyFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        pupil, entries = chronology.pupil_chronology_for(
            request.user, int(pupil_id), ctx=AuditContext.of(request), filters=filters.as_filters()
        )
        data = {
            "pupil": {
                "id": pupil.pk,
                "name": pupil.display_name,
                "upn": pupil.upn,
                "year_group": pupil.year_group,
                "school": pupil.school,
            },
            "count": len(entries),
            "entries": entries,
        }
        return Response(self.OutputSerializer(data).data)


# -- Categories -------------------------------------------------------------------------------


class CategoryListApi(APIView):
    """The abuse taxonomy (DESIGN §4): versioned by date, with the flags the rules use."""

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CategoryFilter"

        on = serializers.DateField(required=False, help_text="Only categories in use on this day (YYYY-MM-DD).")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Category"

        code = serializers.CharField(help_text="What to send in a concern's categories.")
        name = serializers.CharField()
        parent = serializers.CharField(source="parent.code", allow_null=True, default=None)  # type: ignore[assignment]  # a field, not Field.parent: DRF's metaclass takes fields out of the class
        description = serializers.CharField()
        authority = serializers.CharField(
            source="authority.la_code", allow_null=True, default=None, help_text="Null for the national list."
        )
        sexual = serializers.BooleanField()
        police_starting_point = serializers.BooleanField(
            help_text="Policy §8: the starting point is a report to the police."
        )
        nudes_images = serializers.BooleanField(
            help_text="Sharing nudes and semi-nudes: images and videos are never kept (UKCIS advice)."
        )
        criminal_exploitation = serializers.BooleanField()
        valid_from = serializers.DateField()
        valid_to = serializers.DateField(allow_null=True, help_text="The first day it is no longer in use.")

    @extend_schema(
        operation_id="categories_list",
        summary="The kinds of concern",
        description="The national list and your authority's own categories, with the dates each is in use.",
        parameters=[FilterSerializer],
        responses={
            **_ok(
                inline_serializer(
                    "CategoryList", {"count": serializers.IntegerField(), "results": OutputSerializer(many=True)}
                )
            ),
            **problem_responses(400, 404),
        },
        tags=["categories"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        authorities = set(
            schools_for(request.user, Capability.RECORD_CONCERN).values_list("authority_id", flat=True)
        ) | set(schools_for(request.user, Capability.READ_SCHOOL_RECORDS).values_list("authority_id", flat=True))
        qs = Category.objects.filter(Q(authority__isnull=True) | Q(authority_id__in=authorities)).select_related(
            "parent", "authority"
        )
        on = filters.validated_data.get("on")
        if on is not None:
            qs = qs.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        rows = self.OutputSerializer(qs.order_by("position", "name", "pk"), many=True).data
        return Response({"count": len(rows), "results": rows})
