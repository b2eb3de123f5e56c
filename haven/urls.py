from django.urls import include, path, register_converter

from haven.accounts import term_dates_views
from haven.concerns import taxonomy_views
from haven.core.converters import IdConverter, ReferenceConverter
from haven.insights import views as insight_views
from haven.workspace import views as workspace_views

# Registered before any app's URLs are read: references and ids never reach a query unchecked.
register_converter(ReferenceConverter, "reference")
register_converter(IdConverter, "id")

# A database outage met outside a view answers 503, not 500 (haven.core.outage).
handler500 = "haven.core.views.server_error"

urlpatterns = [
    path("", include("haven.home.urls")),
    path("", include("haven.core.urls")),
    path("", include("haven.pupil_voice.tell_urls")),
    path("pupil-voice/", include("haven.pupil_voice.urls")),
    path("account/", include("haven.accounts.urls")),
    path("manage/", include("haven.accounts.manage_urls")),
    path("concerns/", include("haven.concerns.urls")),
    path("cases/", include("haven.workspace.urls")),
    path("safety-plans/", include("haven.safety_plans.urls")),
    path("enquiries/", include("haven.insights.urls")),
    path("insights/", insight_views.insights, name="insights"),
    path("insights/report/", insight_views.report, name="insights_report"),
    path("insights/report.pdf", insight_views.report_pdf, name="insights_report_pdf"),
    path("resources/", include("haven.resources.urls")),
    path("case-studies/", include("haven.resources.case_study_urls")),
    path("network/", include("haven.network.urls")),
    path("compliance/", include("haven.compliance.urls")),
    path("taxonomy/", taxonomy_views.taxonomy, name="taxonomy"),
    path("schools/<id:school_id>/term-dates/", term_dates_views.term_dates, name="term_dates"),
    path("pupils/<id:pupil_id>/chronology/", workspace_views.pupil_chronology, name="pupil_chronology"),
    path("pupils/<id:pupil_id>/chronology.pdf", workspace_views.pupil_chronology_pdf, name="pupil_chronology_pdf"),
    path("", include("haven.records.urls")),
    path("", include("haven.people.urls")),
    path("api/", include("haven.api.urls")),
]
