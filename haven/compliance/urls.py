from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<id:round_id>/", views.round_detail, name="round"),
    path("rounds/<id:round_id>/export.csv", views.round_csv, name="round_csv"),
    path("audits/<id:audit_id>/", views.audit_detail, name="audit"),
]
