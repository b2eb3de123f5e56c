"""PDFs through WeasyPrint: tagged (PDF/UA) so screen readers can read them, real text,
no network access (every URL fetch is refused: nothing outside this server is loaded)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"PDF rendering does not load {url}")


def pdf_bytes(template: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    import weasyprint

    html = render_to_string(template, context, request=request)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_fetch)
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf


def pdf_response(request: HttpRequest, template: str, context: dict[str, Any], *, filename: str) -> HttpResponse:
    response = HttpResponse(pdf_bytes(template, context, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
