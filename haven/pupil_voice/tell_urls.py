"""Pupils' pages: no account. ``tell`` keeps its name from the placeholder in haven.core."""

from django.urls import path

from . import survey_views, views

urlpatterns = [
    path("tell/check/", views.tell_check, name="tell_check"),
    path("tell/<str:code>/", views.tell, name="tell"),
    path("tell/<str:code>/survey/", survey_views.pupil_survey, name="tell_survey"),
    path("tell/<str:code>/about/<slug:topic>/", views.explainer, name="tell_explainer"),
]
