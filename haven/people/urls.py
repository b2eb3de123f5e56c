from django.urls import path

from . import roster_views, views

app_name = "people"
urlpatterns = [
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/<id:pupil_id>/access-log/", views.pupil_access_log, name="pupil_access_log"),
    path("schools/<id:school_id>/roster/", roster_views.roster_import, name="roster_import"),
    path(
        "schools/<id:school_id>/roster/<id:import_id>/",
        roster_views.roster_import_detail,
        name="roster_import_detail",
    ),
]
