"""Roster import pages (being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def roster_import(request: HttpRequest, school_id: int) -> HttpResponse:
    raise Http404


def roster_import_detail(request: HttpRequest, school_id: int, import_id: int) -> HttpResponse:
    raise Http404
