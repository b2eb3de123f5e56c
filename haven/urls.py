from django.urls import include, path

from haven.cases import views as case_views
from haven.concerns import taxonomy_views
from haven.organisations import views as organisation_views

urlpatterns = [
    path("", include("haven.core.urls")),
    path("account/", include("haven.accounts.urls")),
    path("manage/", include("haven.accounts.manage_urls")),
    path("concerns/", include("haven.concerns.urls")),
    path("cases/", include("haven.cases.urls")),
    path("taxonomy/", taxonomy_views.taxonomy, name="taxonomy"),
    path("schools/<int:school_id>/term-dates/", organisation_views.term_dates, name="term_dates"),
    path("pupils/<int:pupil_id>/chronology/", case_views.pupil_chronology, name="pupil_chronology"),
    path("pupils/<int:pupil_id>/chronology.pdf", case_views.pupil_chronology_pdf, name="pupil_chronology_pdf"),
    path("", include("haven.people.urls")),
    path("api/", include("haven.api.urls")),
]
