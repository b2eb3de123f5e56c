"""Safety plans in the JSON API (/api/v1/safety-plans/): read plans as the pages do, and
write a first draft from a case. Access and rules are the pages': the selectors and the
services decide, so a plan the user may not read answers 404 and a rating that is not on
Annex A's key answers 400 with a problem body naming the line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from haven.access.policy import Capability, can, deny, reads_cases
from haven.audit.context import AuditContext
from haven.cases.models import CaseChild
from haven.cases.selectors import case_get_for
from haven.core.errors import ApplicationError
from haven.safety_plans import rules, selectors, services
from haven.safety_plans.models import SafetyPlan

from . import idempotency
from .errors import problem_responses
from .pagination import Pagination
from .serializers import SchoolOutput, id_field

if TYPE_CHECKING:
    from haven.api.request import AuthenticatedRequest

JSON = "application/json"


class RiskLineSerializer(serializers.Serializer):
    hazard = serializers.CharField(max_length=5000)
    hazard_rating = serializers.ChoiceField(
        choices=sorted(rules.HAZARD.items()),
        help_text="A: 1 minor effect, 2 moderate effect, 3 major effect.",
        error_messages={"invalid_choice": "The hazard rating (A) must be 1, 2 or 3; {input} is not on the form."},
    )
    likelihood = serializers.ChoiceField(
        choices=sorted(rules.LIKELIHOOD.items()),
        help_text="B: 2 unlikely, 4 possible, 6 probable.",
        error_messages={"invalid_choice": "The likelihood (B) must be 2, 4 or 6; {input} is not on the form."},
    )
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    contingency = serializers.CharField(required=False, allow_blank=True, default="")
    risk = serializers.IntegerField(read_only=True, help_text="C = A x B, computed by Haven.")
    band = serializers.CharField(read_only=True, help_text="LOW (2-4), MEDIUM (6-9) or HIGH (12-18).")


class PlanSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    url = serializers.SerializerMethodField()
    case = serializers.CharField(source="case.reference")
    school = SchoolOutput()
    pupil_id = serializers.IntegerField()
    child = serializers.CharField(source="pupil.display_name")
    role = serializers.CharField()
    status = serializers.ChoiceField(choices=SafetyPlan.Status.choices)
    version = serializers.IntegerField(source="current_version")
    review_date = serializers.DateField()
    highest_risk = serializers.IntegerField(allow_null=True)
    band = serializers.CharField(allow_null=True, help_text="The plan's overall band: its highest risk line.")

    def get_url(self, plan: SafetyPlan) -> str:
        request = self.context.get("request")
        path = reverse("api:safety-plan-detail", args=[plan.pk])
        return request.build_absolute_uri(path) if request else path


class PlanOutput(PlanSummaryOutput):
    version_detail = serializers.SerializerMethodField(help_text="The current version: every part of Annex A.")

    def get_version_detail(self, plan: SafetyPlan) -> dict[str, Any]:
        v = selectors.current_version_get(plan)
        fields = [f.name for f in v._meta.concrete_fields if f.name not in ("id", "plan", "school", "by")]
        data = {name: getattr(v, name) for name in fields}
        data["review_date"] = v.review_date.isoformat()
        data["at"] = v.at.isoformat()
        data["by"] = v.by.full_name
        data["risk_lines"] = RiskLineSerializer(v.risk_lines.all(), many=True).data
        return data


class PlanInput(serializers.Serializer):
    pupil_id = id_field()
    referrer_name_role = serializers.CharField(max_length=200)
    referrer_contact = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    schools_affected = serializers.CharField(max_length=300)
    schools_harmed = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    on_premises = serializers.BooleanField(required=False, allow_null=True, default=None)
    where_otherwise = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    review_date = serializers.DateField()
    actions = serializers.DictField(
        required=False,
        default=dict,
        help_text="Annex A's actions table: `{action: {taken, on, notes}}`. Parents informed and referrals "
        "recorded on the case are Haven's: it fills those rows from the case (`from_case`, with their dates).",
    )
    considerations = serializers.DictField(
        required=False,
        default=dict,
        help_text="Annex A's questions: an open question (`incident`, `who`, `where`, `limit_how`) as "
        '`{"text": ...}`; the others as `{"answer": "yes" | "no" | "unknown", "notes": ...}`.',
    )
    at_risk = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    controls = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    trusted_adult = serializers.CharField(required=False, allow_blank=True, default="")
    staff_informed = serializers.CharField(required=False, allow_blank=True, default="")
    risk_lines = RiskLineSerializer(many=True, required=False, default=list)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in services.LONG_FIELDS:
            if name not in self.fields:
                self.fields[name] = serializers.CharField(required=False, allow_blank=True, default="")


class SafetyPlanListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="safety_plans_list",
        summary="List safety plans",
        description="The open safety plans you may read (as for their cases), soonest review first. "
        "`?status=closed` or `?status=all` for others.",
        responses={(200, JSON): PlanSummaryOutput(many=True), **problem_responses(404)},
        tags=["safety plans"],
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        if not reads_cases(request.user):
            raise NotFound()
        status = request.query_params.get("status", "")
        if status and status not in (*SafetyPlan.Status.values, "all"):
            raise serializers.ValidationError(
                {"status": [f"Choose one of {', '.join(SafetyPlan.Status.values)}, all."]}
            )
        qs = selectors.plan_list_for(request.user, filters={"status": status})
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(PlanSummaryOutput(page, many=True, context={"request": request}).data)


class SafetyPlanDetailApi(APIView):
    @extend_schema(
        operation_id="safety_plans_retrieve",
        summary="Read a safety plan",
        description="A plan and its current version. The read is audited.",
        responses={(200, JSON): PlanOutput, **problem_responses(404)},
        tags=["safety plans"],
    )
    def get(self, request: AuthenticatedRequest, plan_id: int) -> Response:
        plan = selectors.plan_get_for(request.user, plan_id, ctx=AuditContext.of(request))
        return Response(PlanOutput(plan, context={"request": request}).data)


class CaseSafetyPlanCreateApi(APIView):
    @extend_schema(
        operation_id="safety_plans_create",
        summary="Write a draft safety plan for a child in a case",
        description="Creates a draft (version 1). Risk C = A x B and the bands are computed by Haven; ratings "
        "not on Annex A's key are refused. A safeguarding lead signs it off in Haven.",
        request=PlanInput,
        parameters=idempotency.PARAMETERS,
        responses={
            (201, JSON): PlanOutput,
            **problem_responses(400, 403, 404),
            **idempotency.responses(),
        },
        tags=["safety plans"],
    )
    @idempotency.idempotent
    def post(self, request: AuthenticatedRequest, reference: str) -> Response:
        case = case_get_for(request.user, reference, ctx=AuditContext.of(request), audit=False)
        serializer = PlanInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        link = CaseChild.objects.filter(case=case, pupil_id=d.pop("pupil_id")).select_related("pupil").first()
        if link is None:
            raise serializers.ValidationError({"pupil_id": ["That child is not in this case."]})
        lines = [dict(line) for line in d.pop("risk_lines")]
        plan = services.plan_create(
            by=request.user, case=case, pupil=link.pupil, content=d, risk_lines=lines, ctx=AuditContext.of(request)
        )
        plan = selectors.plans_annotated(SafetyPlan.objects.filter(pk=plan.pk)).get()
        url = reverse("api:safety-plan-detail", args=[plan.pk])
        return Response(
            PlanOutput(plan, context={"request": request}).data,
            status=201,
            headers={"Location": request.build_absolute_uri(url)},
        )


class SafetyPlanSignOffApi(APIView):
    """A safeguarding lead signs off the plan's current version: the plan is active."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SafetyPlanSignOff"

        version = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="The plan's `version` as you last read it (required): a plan changed since is not signed off.",
        )

    @extend_schema(
        operation_id="safety_plans_sign_off",
        summary="Sign off a safety plan",
        description="Signs off the current version of a draft or a plan under review, as the plan's page does. "
        "Send the `version` you read: without it the answer is 428, and when someone saved a newer version "
        "since, 409 (nothing is signed off). To anyone but the school's safeguarding leads it answers 404.",
        request=InputSerializer,
        responses={(200, JSON): PlanOutput, **problem_responses(400, 404, 409, 413, 415, 428)},
        tags=["safety plans"],
    )
    def post(self, request: AuthenticatedRequest, plan_id: int) -> Response:
        ctx = AuditContext.of(request)
        plan = selectors.plan_get_for(request.user, plan_id, ctx=ctx, audit=False)
        if not can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=plan.school):
            raise deny(
                ctx,
                actor=request.user,
                object_type="safety_plans.safetyplan",
                object_id=plan.pk,
                school=plan.school_id,
                reason="sign off",
            )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.plan_sign_off(
                by=request.user, plan=plan, based_on=serializer.validated_data.get("version"), ctx=ctx
            )
        except ApplicationError as exc:
            if exc.field == "based_on":  # the page's name for it; the API's is the plan's version
                raise ApplicationError(exc.message, field="version", code=exc.code) from exc
            raise
        plan = selectors.plans_annotated(SafetyPlan.objects.filter(pk=plan.pk)).get()
        return Response(PlanOutput(plan, context={"request": request}).data)
