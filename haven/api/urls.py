"""/api/v1/ (the JSON API), /api/schema/ (its OpenAPI 3 document) and /api/tokens/ (the
page where a user manages their personal API tokens)."""

from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView

from haven.core.converters import IdConverter, ReferenceConverter

from . import errors, token_views, views
from . import safety_plans as safety_plan_api

register_converter(ReferenceConverter, "api_reference")
register_converter(IdConverter, "api_id")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<api_id:token_id>/revoke/", token_views.token_revoke, name="token_revoke"),
    path("v1/", views.ApiRootApi.as_view(), name="root"),
    path("v1/concerns/", views.ConcernListCreateApi.as_view(), name="concern-list"),
    path("v1/concerns/<api_reference:reference>/", views.ConcernDetailApi.as_view(), name="concern-detail"),
    path(
        "v1/concerns/<api_reference:reference>/amendments/",
        views.AmendmentCreateApi.as_view(),
        name="concern-amendments",
    ),
    path("v1/cases/", views.CaseListApi.as_view(), name="case-list"),
    path("v1/cases/<api_reference:reference>/", views.CaseDetailApi.as_view(), name="case-detail"),
    path("v1/cases/<api_reference:reference>/chronology/", views.CaseChronologyApi.as_view(), name="case-chronology"),
    path("v1/pupils/<api_id:pupil_id>/chronology/", views.PupilChronologyApi.as_view(), name="pupil-chronology"),
    path("v1/categories/", views.CategoryListApi.as_view(), name="category-list"),
    path("v1/safety-plans/", safety_plan_api.SafetyPlanListApi.as_view(), name="safety-plan-list"),
    path("v1/safety-plans/<api_id:plan_id>/", safety_plan_api.SafetyPlanDetailApi.as_view(), name="safety-plan-detail"),
    path(
        "v1/safety-plans/<api_id:plan_id>/sign-off/",
        safety_plan_api.SafetyPlanSignOffApi.as_view(),
        name="safety-plan-sign-off",
    ),
    path(
        "v1/cases/<api_reference:reference>/safety-plans/",
        safety_plan_api.CaseSafetyPlanCreateApi.as_view(),
        name="case-safety-plans",
    ),
    re_path(r"^v1/", errors.not_found),
]
