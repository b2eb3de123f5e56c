from django.urls import path, register_converter

from . import views


class FeedTokenConverter:
    regex = r"[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedTokenConverter, "feedtoken")

app_name = "network"
urlpatterns = [
    path("", views.index, name="index"),
    path("calendar-link/", views.calendar_link, name="calendar_link"),
    path("pyramids/", views.pyramids, name="pyramids"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<id:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<id:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<id:meeting_id>/trend-pack/", views.meeting_trends, name="trends"),
    path("meetings/<id:meeting_id>/<slug:action>/", views.meeting_action, name="meeting_action"),
    path("feeds/<feedtoken:token>.ics", views.feed, name="feed"),
    path("feeds/pyramids/<id:pyramid_id>/<feedtoken:token>.ics", views.pyramid_feed, name="pyramid_feed"),
]
