"""A child's child-protection file sent to their new school (DESIGN §3 rule 9, KCSIE: within
5 school days of leaving, separately from the main pupil file, receipt confirmed).

The file is a snapshot made when it is sent: a PDF of the child's details and chronology as
the sending safeguarding lead may read them, with the concerns' attachments in a ZIP beside
it (each checked against the SHA-256 it was stored with, and named with it in the ZIP's
manifest), kept outside the web root with their SHA-256, and never changed afterwards.
Between two schools on Haven the new school's safeguarding leads read it here and confirm
receipt; for a school not on Haven, the sending lead downloads it to send securely and
records who confirmed receipt.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.core import clock

SEND_WITHIN_SCHOOL_DAYS = 5
CONFIRM_WITHIN_SCHOOL_DAYS = 5
# The date the child left: at most this far ahead (a planned move), or this far back.
LEFT_DAYS_AHEAD = 92
LEFT_DAYS_BACK = 366


class FileTransfer(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", "Sent, waiting for receipt"
        RECEIVED = "received", "Receipt confirmed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # The sending school: the tenancy key.
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="files_sent")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="file_transfers")
    # The new school when it is on Haven; otherwise its name and a contact.
    to_school = models.ForeignKey(
        "organisations.School", on_delete=models.PROTECT, related_name="files_received", null=True, blank=True
    )
    to_school_name = models.CharField("new school", max_length=200)
    to_contact = models.CharField("contact at the new school", max_length=300, blank=True)
    left_on = models.DateField("date the child left")
    send_by = models.DateField(help_text="5 school days after the child left.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(default=clock.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirm_by = models.DateField(help_text="5 school days after it was sent: chase the new school after this.")
    file = models.FileField(upload_to="transfers/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # The concerns' attachments, carried whole beside the PDF: a ZIP of each file and a
    # manifest.json naming each with its SHA-256 and the PDF's (empty when there are none).
    archive = models.FileField(upload_to="transfers/%Y/%m/", blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    archive_size = models.PositiveIntegerField(default=0)
    attachment_count = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(help_text="Chronology entries in the file.")
    # Cases in the file that the sending school restricted to named people: at the sending
    # school only people named on all of them open the file; at the new school, its
    # safeguarding leads (not its head).
    restricted_cases = models.ManyToManyField("cases.Case", blank=True, related_name="+")
    # Receipt: by a safeguarding lead of the new school in Haven, or recorded by the sender.
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    receipt_confirmed_by = models.CharField("who confirmed receipt", max_length=200, blank=True)
    to_pupil = models.ForeignKey(
        "people.Pupil", on_delete=models.PROTECT, related_name="files_received", null=True, blank=True
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status", "sent_at"]),
            models.Index(fields=["to_school", "status", "sent_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(to_school=models.F("school")), name="transfer_to_another_school"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="received") | models.Q(received_at__isnull=False),
                name="transfer_received_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Child-protection file of {self.pupil} to {self.to_school_name}"

    @property
    def in_haven(self) -> bool:
        return self.to_school_id is not None

    @property
    def sent_late(self) -> bool:
        return timezone.localtime(self.sent_at).date() > self.send_by
