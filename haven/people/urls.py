from django.urls import path

from . import roster_views, views

app_name = "people"
urlpatterns = [
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/<id:pupil_id>/access-log/", views.pupil_access_log, name="pupil_access_log"),
    path("pupils/<id:pupil_id>/contacts/new/", views.contact_new, name="contact_new"),
    path("pupils/<id:pupil_id>/contacts/<id:contact_id>/end/", views.contact_end, name="contact_end"),
    path("pupils/<id:pupil_id>/family/new/", views.link_new, name="link_new"),
    path("pupils/<id:pupil_id>/family/<id:link_id>/end/", views.link_end, name="link_end"),
    path("schools/<id:school_id>/roster/", roster_views.roster_import, name="roster_import"),
    path(
        "schools/<id:school_id>/roster/<id:import_id>/",
        roster_views.roster_import_detail,
        name="roster_import_detail",
    ),
]
