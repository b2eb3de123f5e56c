from django.urls import path

from . import roster_views, views

app_name = "people"
urlpatterns = [
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/<int:pupil_id>/", views.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pupil_id>/access-log/", views.pupil_access_log, name="pupil_access_log"),
    path("schools/<int:school_id>/roster/", roster_views.roster_import, name="roster_import"),
    path(
        "schools/<int:school_id>/roster/<int:import_id>/",
        roster_views.roster_import_detail,
        name="roster_import_detail",
    ),
]
