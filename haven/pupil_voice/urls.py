from django.urls import path

from . import survey_views, views

app_name = "pupil_voice"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("settings/", views.voice_settings, name="settings"),
    path("surveys/", survey_views.survey_list, name="surveys"),
    path("surveys/new/", survey_views.survey_new, name="survey_new"),
    path("surveys/<id:survey_id>/", survey_views.survey_detail, name="survey"),
    path("surveys/<id:survey_id>.csv", survey_views.survey_csv, name="survey_csv"),
    path("surveys/<id:survey_id>/close/", survey_views.survey_close, name="survey_close"),
    path("<id:report_id>/", views.detail, name="detail"),
    path("<id:report_id>/message/", views.message, name="message"),
    path("<id:report_id>/close/", views.close, name="close"),
    path("<id:report_id>/convert/", views.convert, name="convert"),
]
