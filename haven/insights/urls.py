from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.enquiry_list, name="enquiries"),
    path("new/", views.enquiry_new, name="enquiry_new"),
    path("by-month/", views.monthly, name="monthly"),
    path("import/", views.enquiry_import, name="import"),
    path("<id:enquiry_id>/", views.enquiry_detail, name="enquiry"),
    path("<id:enquiry_id>/follow-up/", views.enquiry_follow_up, name="follow_up"),
]
