from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("pupils/<id:pupil_id>/", views.pupil_detail, name="pupil_detail"),
    path("pupils/<id:pupil_id>/transfer/", views.transfer_new, name="transfer_new"),
    path("records/transfers/", views.transfer_list, name="transfer_list"),
    path("records/transfers/<id:transfer_id>/", views.transfer_detail, name="transfer_detail"),
    path("records/transfers/<id:transfer_id>/file.pdf", views.transfer_file, name="transfer_file"),
    path("records/transfers/<id:transfer_id>/attachments.zip", views.transfer_archive, name="transfer_archive"),
]
