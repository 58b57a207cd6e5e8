"""PDF documents (minutes, certificates, result notices) rendered from HTML by WeasyPrint.

WeasyPrint needs Debian's Pango at run time (`make setup` installs it, scripts/system_packages.py);
where it is missing the user gets a page saying so and what to install, never a 500."""

import logging
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are not installed."""


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: a shared library (Pango) is missing
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def pdf_bytes(template_name: str, context: dict, *, request: HttpRequest | None = None) -> bytes:
    """The document as PDF bytes (for responses, attachments and tests)."""
    html = render_to_string(template_name, context, request=request)
    weasyprint = _weasyprint()
    # No base_url: a document never fetches anything (no network on intranets, no file reads).
    return weasyprint.HTML(string=html).write_pdf()


def render_pdf(
    request: HttpRequest, template_name: str, context: dict, *, filename: str
) -> HttpResponse:
    """A PDF download, or a 503 page naming what to install when PDFs cannot be made here."""
    try:
        content = pdf_bytes(template_name, context, request=request)
    except PdfUnavailable as error:
        logger.error("PDF unavailable: %s", error)
        message = _("此服务器暂时无法生成 PDF：缺少系统组件 Pango，请管理员运行 make setup。")
        body = render_to_string(
            "core/pdf_unavailable.html",
            {"message": message},
            request=request,
        )
        return HttpResponse(body, status=503)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
