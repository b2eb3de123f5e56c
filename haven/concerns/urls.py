from django.urls import path

from . import views

app_name = "concerns"
urlpatterns = [
    path("", views.concern_mine, name="mine"),
    path("new/", views.concern_new, name="new"),
    path("pupil-search/", views.pupil_search, name="pupil_search"),
    path("<reference:reference>/", views.concern_detail, name="detail"),
    path("<reference:reference>/amend/", views.concern_amend, name="amend"),
    path("<reference:reference>/attachments/<id:attachment_id>/", views.attachment_download, name="attachment"),
]
