from django.urls import path

from . import enrol_views, passkey_views, stepup, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    # A passkey as the first second factor, beside the authenticator app (open before it is passed).
    path("two-factor/passkey/options/", passkey_views.set_up_options, name="two_factor_passkey_options"),
    path("two-factor/passkey/verify/", passkey_views.set_up_verify, name="two_factor_passkey_verify"),
    path("confirm/", stepup.confirm, name="step_up"),
    path("password/", views.password_change, name="password_change"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<str:handle>/end/", views.session_end, name="session_end"),
    path("passkeys/", passkey_views.passkey_list, name="passkeys"),
    path("passkeys/<int:pk>/remove/", passkey_views.passkey_remove, name="passkey_remove"),
    path("passkeys/register/options/", passkey_views.register_options, name="passkey_register_options"),
    path("passkeys/register/verify/", passkey_views.register_verify, name="passkey_register_verify"),
    # Open before the second factor: signing in with a passkey, or using one as that factor.
    path("passkeys/auth/options/", passkey_views.auth_options, name="passkey_auth_options"),
    path("passkeys/auth/verify/", passkey_views.auth_verify, name="passkey_auth_verify"),
    # Confirming it is you (step-up) with a passkey instead of a code.
    path("passkeys/step-up/options/", passkey_views.step_up_options, name="passkey_step_up_options"),
    path("passkeys/step-up/verify/", passkey_views.step_up_verify, name="passkey_step_up_verify"),
    path("enrol/<str:token>/", enrol_views.enrol, name="enrol"),
    path("checks/", enrol_views.checks, name="checks"),
    path("checks/roles/<int:notice_id>/revoke/", enrol_views.grant_revoke, name="grant_revoke"),
    path("checks/second-factor/<int:reset_id>/approve/", enrol_views.reset_approve, name="reset_approve"),
    path("", views.account, name="account"),
]
