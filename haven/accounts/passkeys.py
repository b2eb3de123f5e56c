"""Passkeys (WebAuthn, with py_webauthn): registering one, using one as the second factor or
to sign in without a password, removing one. Each write is one transaction with its audit row;
a refusal is audited on its own (it must outlive the refused attempt).

The ceremony is two steps, each a call from the browser: options (with a fresh challenge the
view keeps in the session, single use, for five minutes) and the authenticator's answer, which
is verified here against that challenge, the relying party's id (the host) and the page's
origin (scheme and host), and, for a sign-in, the stored public key and signature counter.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.audit.services import audit_record
from haven.core import clock

from . import notices
from .models import AuthenticatorApp, Passkey, User
from .services import recovery_codes_replace

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialCreationOptions, PublicKeyCredentialRequestOptions

CHALLENGE_SECONDS = 5 * 60
NAME_MAX = 64
# Failed passkey attempts allowed from one address (or, as a second factor, for one person)
# in the lockout window before more are refused for a while, like django-axes' password lockout.
FAILURE_LIMIT = getattr(settings, "AXES_FAILURE_LIMIT", 5)
FAILURE_WINDOW = dt.timedelta(minutes=15)


class PasskeyRefused(Exception):
    """A ceremony or a removal that did not succeed; ``message`` is for the person."""

    def __init__(self, message: str, *, field: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.reason = reason or message


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkey is for: ``id`` the domain (settings' HAVEN_WEBAUTHN_RP_ID or the request's
    host), ``origin`` the page's scheme and host, which the browser signs into every answer."""

    id: str
    origin: str
    name: str = "Haven"


def user_handle_for(user: User) -> bytes:
    """An opaque, stable handle for the account (never the email or the database id)."""
    return salted_hmac("haven.accounts.passkeys.user_handle", str(user.pk), algorithm="sha256").digest()


def _transports(values: list[str]) -> list[AuthenticatorTransport]:
    known = {t.value for t in AuthenticatorTransport}
    return [AuthenticatorTransport(v) for v in values if v in known]


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=_transports(passkey.transports) or None
    )


def options_json(options: PublicKeyCredentialCreationOptions | PublicKeyCredentialRequestOptions) -> dict[str, Any]:
    return dict(json.loads(options_to_json(options)))


def clean_name(name: object) -> str:
    """The passkey's name, as the person typed it; refused (naming the field) if unusable."""
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise PasskeyRefused("Give the passkey a name, such as the device it is on.", field="name")
    if len(text) > NAME_MAX:
        raise PasskeyRefused(f"The name must be {NAME_MAX} characters or fewer.", field="name")
    return text


def registration_options(
    *, user: User, rp: RelyingParty, verify_user: bool = False
) -> PublicKeyCredentialCreationOptions:
    """Options for ``navigator.credentials.create``: a discoverable credential where the
    authenticator can keep one (so it can sign in without a password), never one it holds already.
    ``verify_user``: the authenticator must verify the person (PIN or biometric), as it must
    when the passkey is to be the account's first second factor (:func:`passkey_set_up`)."""
    return generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle_for(user),
        user_name=user.email,
        user_display_name=user.full_name or user.email,
        timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=(
                UserVerificationRequirement.REQUIRED if verify_user else UserVerificationRequirement.PREFERRED
            ),
        ),
        exclude_credentials=[_descriptor(p) for p in Passkey.objects.filter(user=user)],
    )


def authentication_options(*, rp: RelyingParty, user: User | None) -> PublicKeyCredentialRequestOptions:
    """Options for ``navigator.credentials.get``. As the second factor (``user`` known) only
    that person's passkeys are allowed; to sign in without a password the authenticator
    offers its own (discoverable) passkeys, and must verify the person (PIN or biometric)."""
    if user is None:
        return generate_authentication_options(
            rp_id=rp.id, timeout=CHALLENGE_SECONDS * 1000, user_verification=UserVerificationRequirement.REQUIRED
        )
    return generate_authentication_options(
        rp_id=rp.id,
        timeout=CHALLENGE_SECONDS * 1000,
        allow_credentials=[_descriptor(p) for p in Passkey.objects.filter(user=user, confirmed=True)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )


def _refuse(
    ctx: AuditContext, *, reason: str, message: str, actor: User | None = None, passkey: Passkey | None = None
) -> PasskeyRefused:
    """Audit a refused passkey and return the refusal to raise."""
    audit_record(
        Event.PASSKEY_REFUSED,
        ctx=ctx,
        actor=actor,
        obj=passkey,
        object_type="" if passkey else "accounts.passkey",
        extra={"reason": reason},
    )
    return PasskeyRefused(message, reason=reason)


@dataclass(frozen=True)
class _Registration:
    """An authenticator's registration answer, verified and not yet kept."""

    credential_id: str
    public_key: bytes
    sign_count: int
    aaguid: str
    user_verified: bool
    transports: list[str]


def _registration_verify(
    *, user: User, rp: RelyingParty, challenge: bytes, credential: object, verify_user: bool, ctx: AuditContext
) -> _Registration:
    """Check the answer (outside any transaction: a refusal is audited on its own)."""
    try:
        verified = verify_registration_response(
            credential=credential,  # type: ignore[arg-type]  # checked by py_webauthn, which raises
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=verify_user,
        )
    except Exception as exc:  # any malformed or wrong answer (py_webauthn raises several kinds)
        raise _refuse(
            ctx,
            actor=user,
            reason=f"registration: {type(exc).__name__}: {str(exc)[:200]}",
            message="That passkey could not be added. Try again, or use another device."
            if not verify_user
            else "That passkey could not be added. Your device must check it is you (with its PIN, fingerprint "
            "or face): try again, or use an authenticator app.",
        ) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise _refuse(
            ctx,
            actor=user,
            reason="registration: credential already registered",
            message="That passkey is already added to an account.",
        )
    response = credential.get("response") if isinstance(credential, dict) else None
    transports = response.get("transports") if isinstance(response, dict) else None
    return _Registration(
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        user_verified=verified.user_verified,
        transports=[t.value for t in _transports(transports if isinstance(transports, list) else [])],
    )


def _registration_keep(*, user: User, name: str, registration: _Registration, ctx: AuditContext) -> Passkey:
    """Keep a verified passkey, audited, and tell the person (inside the caller's transaction)."""
    passkey = Passkey.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=registration.credential_id,
        public_key=registration.public_key,
        sign_count=registration.sign_count,
        transports=registration.transports,
        aaguid=registration.aaguid,
        user_handle=bytes_to_base64url(user_handle_for(user)),
    )
    audit_record(
        Event.PASSKEY_ADDED,
        ctx=ctx,
        actor=user,
        obj=passkey,
        extra={"aaguid": registration.aaguid, "user_verified": registration.user_verified},
    )
    notices.passkey_added(user=user, name=passkey.name)
    return passkey  # type: ignore[no-any-return]  # django-otp has no type hints


def passkey_register(
    *,
    user: User,
    rp: RelyingParty,
    challenge: bytes,
    credential: object,
    name: str,
    ctx: AuditContext = COMMAND,
) -> Passkey:
    """Verify the authenticator's answer to the registration options and keep the passkey."""
    registration = _registration_verify(
        user=user, rp=rp, challenge=challenge, credential=credential, verify_user=False, ctx=ctx
    )
    with transaction.atomic():
        return _registration_keep(user=user, name=name, registration=registration, ctx=ctx)


class AlreadySetUp(Exception):
    """The person has a second factor already: a passkey is added only after passing it."""


def passkey_set_up(
    *,
    user: User,
    rp: RelyingParty,
    challenge: bytes,
    credential: object,
    name: str,
    ctx: AuditContext = COMMAND,
) -> tuple[Passkey, list[str]]:
    """A passkey as the account's first second factor (at enrolment, or at a first sign-in
    with none): the authenticator must have verified the person (PIN or biometric), and the
    account must have no second factor yet, checked again under a lock on the account so two
    tabs cannot both add one. Returns the passkey and fresh recovery codes, as setting up an
    authenticator app does, so a lost device is not a lost account.

    Raises :class:`AlreadySetUp` for an account that has a second factor (whoever holds only
    its password must not add their own) and :class:`PasskeyRefused` for a bad answer."""
    registration = _registration_verify(
        user=user, rp=rp, challenge=challenge, credential=credential, verify_user=True, ctx=ctx
    )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if any(True for _ in devices_for_user(user, confirmed=True)):
            raise AlreadySetUp
        passkey = _registration_keep(user=user, name=name, registration=registration, ctx=ctx)
        audit_record(
            Event.SECOND_FACTOR_SET_UP,
            ctx=ctx,
            actor=user,
            obj=user,
            changes={"has_two_factor": (False, True)},
            extra={"second_factor": "passkey"},
        )
        codes = recovery_codes_replace(user=user, ctx=ctx, notify=False)
    return passkey, codes


def passkey_authenticate(
    *,
    rp: RelyingParty,
    challenge: bytes,
    credential: object,
    user: User | None,
    ctx: AuditContext = COMMAND,
) -> Passkey:
    """Verify a passkey's signed answer. With ``user`` it is that person's second factor
    (the passkey must be theirs); without, a sign-in on its own, which needs the
    authenticator to have verified the person. Returns the passkey, its counter moved on."""
    try:
        parsed = parse_authentication_credential_json(credential)  # type: ignore[arg-type]
    except Exception as exc:
        raise _refuse(
            ctx, actor=user, reason=f"malformed: {type(exc).__name__}", message="That passkey answer was not readable."
        ) from exc
    passkey = Passkey.objects.select_related("user").filter(credential_id=parsed.id, confirmed=True).first()
    if passkey is None or (user is not None and passkey.user_id != user.pk):
        # Another person's passkey is refused exactly like an unknown one.
        raise _refuse(
            ctx,
            actor=user,
            reason="unknown credential" if passkey is None else "another person's credential",
            message="That passkey is not one of yours. Use another, or your authenticator app.",
        )
    owner = passkey.user
    handle = parsed.response.user_handle
    if handle is not None and passkey.user_handle and bytes_to_base64url(handle) != passkey.user_handle:
        raise _refuse(ctx, actor=owner, passkey=passkey, reason="user handle", message="That passkey was refused.")
    if user is None and not owner.is_active:
        raise _refuse(
            ctx,
            actor=owner,
            passkey=passkey,
            reason="account switched off",
            message="That account is switched off. Ask your school's Haven administrator.",
        )
    try:
        # The counter is checked below, once the signature is known to be good: a lower one
        # than last time is an audited clone, not a garbled message.
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=0,
            require_user_verification=user is None,
        )
    except Exception as exc:
        raise _refuse(
            ctx,
            actor=owner,
            passkey=passkey,
            reason=f"{type(exc).__name__}: {str(exc)[:200]}",
            message="That passkey was refused. Try again.",
        ) from exc
    with transaction.atomic():
        locked = Passkey.objects.select_for_update().get(pk=passkey.pk)
        new, old = verified.new_sign_count, locked.sign_count
        counter_went_back = (new > 0 or old > 0) and new <= old
        if not counter_went_back:
            locked.sign_count = new
            locked.last_used_at = clock.now()
            locked.save(update_fields=["sign_count", "last_used_at"])
            audit_record(
                Event.PASSKEY_SIGNED_IN if user is None else Event.PASSKEY_USED,
                ctx=ctx,
                actor=owner,
                obj=locked,
                extra={"user_verified": verified.user_verified},
            )
    if counter_went_back:
        # Either the answer was replayed or the authenticator was copied (WebAuthn §6.1.1).
        raise _refuse(
            ctx,
            actor=owner,
            passkey=passkey,
            reason=f"sign count went back ({new} after {old}): a copied authenticator?",
            message="That passkey was refused because it may have been copied. Use your authenticator app, "
            "and tell your school's Haven administrator.",
        )
    locked.user = owner
    return locked  # type: ignore[no-any-return]  # django-otp has no type hints


def passkey_remove(*, user: User, passkey: Passkey, ctx: AuditContext = COMMAND) -> None:
    """Remove one of the person's passkeys; refused if it is the last second factor of a role
    that must sign in with two (an authenticator app still set up is enough)."""
    with transaction.atomic():
        others = Passkey.objects.filter(user=user, confirmed=True).exclude(pk=passkey.pk).exists()
        totp = AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()
        if user.needs_two_factor and not others and not totp:
            raise PasskeyRefused(
                "This is your only way to pass the second step of signing in, which your role needs. "
                "Set up an authenticator app or add another passkey first, then remove this one.",
            )
        audit_record(Event.PASSKEY_REMOVED, ctx=ctx, actor=user, obj=passkey, extra={"name": passkey.name})
        notices.passkey_removed(user=user, name=passkey.name)
        passkey.delete()


def recent_failures(*, address: str | None = None, user: User | None = None) -> int:
    """Refused passkeys in the lockout window, from one address or for one person: the audit
    log is the count, so it holds across every server process."""
    since = clock.now() - FAILURE_WINDOW
    refused = AuditEvent.objects.filter(event=Event.PASSKEY_REFUSED, at__gte=since)
    if user is not None:
        return refused.filter(actor=user).count()
    if address is None:
        return 0
    return refused.filter(ip_address=address).count()
