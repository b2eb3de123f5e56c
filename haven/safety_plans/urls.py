from django.urls import path

from . import views

app_name = "safety_plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/<reference:reference>/<id:pupil_id>/", views.plan_new, name="new"),
    path("<id:plan_id>/", views.plan_detail, name="detail"),
    path("<id:plan_id>.pdf", views.plan_pdf, name="pdf"),
    path("<id:plan_id>/edit/", views.plan_edit, name="edit"),
    path("<id:plan_id>/sign-off/", views.plan_sign_off, name="sign_off"),
    path("<id:plan_id>/close/", views.plan_close, name="close"),
    path("<id:plan_id>/versions/<id:number>/", views.plan_version, name="version"),
    path("<id:plan_id>/compare/", views.plan_compare, name="compare"),
    path("<id:plan_id>/child/", views.plan_child, name="child"),
    path("<id:plan_id>/child.pdf", views.plan_child_pdf, name="child_pdf"),
]
