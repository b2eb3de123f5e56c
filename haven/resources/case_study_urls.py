from django.urls import path

from . import views

app_name = "case_studies"
urlpatterns = [
    path("", views.case_study_list, name="list"),
    path("new/", views.case_study_new, name="new"),
    path("<id:case_study_id>/", views.case_study_detail, name="detail"),
    path("<id:case_study_id>/edit/", views.case_study_edit, name="edit"),
    path("<id:case_study_id>/review/", views.case_study_review, name="review"),
]
