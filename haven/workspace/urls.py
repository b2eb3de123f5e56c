from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("triage/<reference:reference>/", views.triage, name="triage"),
    path("<reference:reference>/", views.case_detail, name="detail"),
    path("<reference:reference>/chronology/", views.case_chronology, name="chronology"),
    path("<reference:reference>/chronology.pdf", views.case_chronology_pdf, name="chronology_pdf"),
    path("<reference:reference>/<slug:action>/", views.case_action, name="action"),
]
