from django.urls import path

from . import views

app_name = "resources"
urlpatterns = [
    path("", views.resource_list, name="list"),
    path("propose/", views.resource_propose, name="propose"),
    path("curate/", views.resource_queue, name="queue"),
    path("<id:resource_id>/", views.resource_detail, name="detail"),
    path("<id:resource_id>/edit/", views.resource_edit, name="edit"),
    path("<id:resource_id>/curate/", views.resource_curate, name="curate"),
]
