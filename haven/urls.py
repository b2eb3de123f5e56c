from django.urls import include, path

urlpatterns = [
    path("", include("haven.core.urls")),
    path("account/", include("haven.accounts.urls")),
    path("manage/", include("haven.accounts.manage_urls")),
    path("", include("haven.people.urls")),
]
