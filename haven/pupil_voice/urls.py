from django.urls import path

from . import views

app_name = "pupil_voice"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("settings/", views.voice_settings, name="settings"),
    path("<id:report_id>/", views.detail, name="detail"),
    path("<id:report_id>/message/", views.message, name="message"),
    path("<id:report_id>/close/", views.close, name="close"),
    path("<id:report_id>/convert/", views.convert, name="convert"),
]
