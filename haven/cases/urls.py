from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("triage/<str:reference>/", views.triage, name="triage"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/chronology/", views.case_chronology, name="chronology"),
    path("<str:reference>/chronology.pdf", views.case_chronology_pdf, name="chronology_pdf"),
    path("<str:reference>/<str:action>/", views.case_action, name="action"),
]
