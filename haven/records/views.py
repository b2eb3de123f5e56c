"""A child's record: their page, and child-protection file transfers (sending a leaver's
file, the list of transfers, one transfer: confirm receipt, withdraw; the file itself)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from haven.access.policy import Capability, can, deny, has_any
from haven.accounts.stepup import kept_input, step_up_required
from haven.audit.context import AuditContext
from haven.cases.selectors import repeat_involvement_flags
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.people import selectors as people_selectors
from haven.people.selectors import pupil_get_for

from . import forms, selectors, services
from .models import FileTransfer

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

PAGE_SIZE = 25


logger = logging.getLogger(__name__)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@step_up_required
def transfer_new(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    pupil = pupil_get_for(request.user, pupil_id, ctx=ctx)
    if not can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=pupil.school):
        raise deny(
            ctx, actor=request.user, object_type="people.pupil.transfer", object_id=pupil_id, school=pupil.school
        )
    schools = selectors.destination_schools(pupil)
    initial = {"left_on": pupil.left_on or clock.localdate(), **kept_input(request)}
    form = forms.TransferForm(request.POST or None, schools=schools, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            transfer = services.transfer_send(
                by=request.user,
                pupil=pupil,
                left_on=d["left_on"],
                to_school=d["school"],
                to_school_name=d["to_school_name"] if d["school"] is None else "",
                to_contact=d["to_contact"],
                ctx=ctx,
            )
        except ApplicationError as error:
            error.add_to(form)
        else:
            if transfer.in_haven:
                messages.success(
                    request,
                    f"File sent to {transfer.to_school_name}. Their safeguarding leads have been told it is waiting "
                    "for them.",
                )
            else:
                messages.success(
                    request,
                    f"File made. Download it and send it securely to {transfer.to_school_name}, then record here "
                    "who confirmed they received it.",
                )
            return redirect("records:transfer_detail", transfer.pk)
    return render(
        request,
        "records/transfer_form.html",
        {"pupil": pupil, "form": form},
        status=400 if form.errors else 200,
    )


def _page(request: HttpRequest, items: Any, key: str) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get(key))


@login_required
@require_safe
def transfer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_any(request.user, Capability.READ_SCHOOL_RECORDS):
        raise Http404
    outgoing, incoming = selectors.transfers_for(request.user)
    waiting_first = Case(
        When(status=FileTransfer.Status.SENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    incoming = incoming.order_by(waiting_first, "-sent_at", "-pk")
    leavers = selectors.leavers_to_send_for(request.user)
    return render(
        request,
        "records/transfer_list.html",
        {
            "incoming": _page(request, incoming, "incoming"),
            "outgoing": _page(request, outgoing, "outgoing"),
            "leavers": _page(request, leavers, "leavers"),
            "today": clock.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@step_up_required
def transfer_detail(request: AuthenticatedHttpRequest, transfer_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    transfer = selectors.transfer_get_for(request.user, transfer_id, ctx=ctx)
    side = selectors.side_of(request.user, transfer)
    kept = kept_input(request)  # typed before a step-up: shown again, to send once more
    receipt_form = forms.ReceiptForm(initial={"received_on": clock.localdate(), **kept})
    withdraw_form = forms.WithdrawForm(initial=kept)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm" and side["can_confirm"]:
                if transfer.in_haven:
                    services.transfer_confirm_receipt(by=request.user, transfer=transfer, ctx=ctx)
                    messages.success(request, "Receipt confirmed. The sending school can see that the file arrived.")
                    return redirect("records:transfer_detail", transfer.pk)
                receipt_form = forms.ReceiptForm(request.POST)
                if receipt_form.is_valid():
                    services.transfer_confirm_receipt(
                        by=request.user,
                        transfer=transfer,
                        confirmed_by=receipt_form.cleaned_data["confirmed_by"],
                        received_on=receipt_form.cleaned_data["received_on"],
                        ctx=ctx,
                    )
                    messages.success(request, "Receipt recorded.")
                    return redirect("records:transfer_detail", transfer.pk)
            elif action == "withdraw" and side["can_withdraw"]:
                withdraw_form = forms.WithdrawForm(request.POST)
                if withdraw_form.is_valid():
                    services.transfer_withdraw(
                        by=request.user, transfer=transfer, reason=withdraw_form.cleaned_data["reason"], ctx=ctx
                    )
                    messages.success(request, "Transfer withdrawn. The new school can no longer open the file.")
                    return redirect("records:transfer_detail", transfer.pk)
            else:
                messages.error(request, "That cannot be done with this transfer now.")
                return redirect("records:transfer_detail", transfer.pk)
        except ApplicationError as error:
            error.add_to(withdraw_form if action == "withdraw" else receipt_form)
        status = 400
    return render(
        request,
        "records/transfer_detail.html",
        {
            "transfer": transfer,
            "receipt_form": receipt_form,
            "withdraw_form": withdraw_form,
            "today": clock.localdate(),
            **side,
        },
        status=status,
    )


@login_required
@require_safe
@step_up_required
def transfer_file(request: AuthenticatedHttpRequest, transfer_id: int) -> FileResponse:
    transfer = selectors.file_read_for(request.user, transfer_id, ctx=AuditContext.of(request))
    filename = f"child-protection-file-{transfer.pk}.pdf"
    response = FileResponse(transfer.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
@step_up_required
def transfer_archive(request: AuthenticatedHttpRequest, transfer_id: int) -> FileResponse:
    """The attachments that travel with the file, for the same people as the PDF."""
    transfer = selectors.file_read_for(request.user, transfer_id, ctx=AuditContext.of(request), part="archive")
    if not transfer.archive:
        raise Http404
    try:
        archive = transfer.archive.open("rb")
    except FileNotFoundError:
        logger.error("transfer %s: its attachments archive is missing from storage", transfer.pk)
        raise Http404 from None
    response = FileResponse(
        archive,
        content_type="application/zip",
        as_attachment=True,
        filename=f"child-protection-file-{transfer.pk}-attachments.zip",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def pupil_detail(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    """The child's page: their details, repeat involvement and their file's transfers (it asks
    the cases and the records, so it lives above them, here)."""
    pupil = pupil_get_for(request.user, pupil_id, ctx=AuditContext.of(request))
    contacts, past_contacts = people_selectors.contacts_of(pupil)
    can_change = can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=pupil.school)
    return render(
        request,
        "records/pupil_detail.html",
        {
            "pupil": pupil,
            "can_view_log": can(request.user, Capability.VIEW_ACCESS_LOG, school=pupil.school),
            "flags": repeat_involvement_flags(request.user, school_ids=[pupil.school_id], pupil_id=pupil.pk),
            "transfers": selectors.transfers_of_pupil(request.user, pupil),
            "can_send_file": can_change,  # the same capability: the school's DSLs and deputies
            "records": selectors.child_records_for(request.user, pupil),
            "can_record": can(request.user, Capability.RECORD_CONCERN, school=pupil.school),
            "contacts": contacts,
            "past_contacts": past_contacts,
            "links": people_selectors.links_for(request.user, pupil),
            "can_change": can_change,
            "suggestion_count": len(people_selectors.link_suggestions(request.user, pupil)) if can_change else 0,
        },
    )
