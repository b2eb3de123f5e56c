"""The administrator's people pages, mounted at /manage/ (DESIGN §8: admins manage people
and roles in their own organisations, with no access to safeguarding content)."""

from django.urls import path

from . import manage_views as views

app_name = "manage"
urlpatterns = [
    path("", views.people, name="people"),
    path("schools/<int:school_id>/people/new/", views.person_add_school, name="person_add_school"),
    path("trusts/<int:trust_id>/people/new/", views.person_add_trust, name="person_add_trust"),
    path("authorities/<int:authority_id>/people/new/", views.person_add_authority, name="person_add_authority"),
    path("people/<int:user_id>/", views.person, name="person"),
    path("people/<int:user_id>/roles/new/", views.role_grant, name="role_grant"),
    path("people/<int:user_id>/roles/<int:membership_id>/end/", views.role_end, name="role_end"),
    path("people/<int:user_id>/password/", views.password_reset, name="password_reset"),
    path("people/<int:user_id>/enrolment/", views.enrolment_resend, name="enrolment_resend"),
    path("people/<int:user_id>/second-factor/", views.second_factor_reset, name="second_factor_reset"),
    path("people/<int:user_id>/sessions/end/", views.sessions_end, name="sessions_end"),
    path("people/<int:user_id>/deactivate/", views.deactivate, name="deactivate"),
    path("people/<int:user_id>/reactivate/", views.reactivate, name="reactivate"),
]
