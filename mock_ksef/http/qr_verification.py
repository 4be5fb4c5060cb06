"""``GET /certificate/...``: the public QR portal's check of a QR code II link, on the mock.

Unauthenticated, at the mock's root (not under ``/v2``), so a client that builds links
with the mock's URL as its QR base (``ksef-client``: ``KsefClientOptions(base_qr_url=…)``)
gets links the mock can verify. The signed text is ``{host}/certificate/…/{hash}`` with
the request's ``Host``; a link built for ``qr-test.ksef.mf.gov.pl`` verifies too when its
host is given as ``?host=``. The answer is an HTML page with one line per check, or JSON
(``{"valid", "checks": [{"name", "ok", "text"}]}``) for ``Accept: application/json``.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, jsonify, request

from mock_ksef.domain.certificates.certificate_repo import CertificateRepo
from mock_ksef.domain.certificates.qr import Check, QrLink, link_problems, verify_link
from mock_ksef.http.context import services

bp = Blueprint("qr_verification", __name__)

_ROUTE = (
    "/certificate/<context_type>/<context_value>/<seller_nip>/<serial>/<invoice_hash>/<signature>"
)


@bp.get(_ROUTE)
def verify_certificate_link(
    context_type: str,
    context_value: str,
    seller_nip: str,
    serial: str,
    invoice_hash: str,
    signature: str,
) -> Response:
    """Verify a QR code II link: 200 with the checks, 400 for a malformed link."""
    host = request.args.get("host") or request.host
    signed = "/".join(
        [f"{host}/certificate", context_type, context_value, seller_nip, serial, invoice_hash]
    )
    link = QrLink(context_type, context_value, seller_nip, serial, invoice_hash, signature, signed)
    problems = link_problems(link)
    if problems:
        checks = [Check("link", False, text) for text in problems]
        return _answer(checks, 400)
    svc = services()
    return _answer(verify_link(CertificateRepo(svc.store), link, svc.now()), 200)


def _answer(checks: list[Check], status: int) -> Response:
    valid = all(check.ok for check in checks)
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(
            {
                "valid": valid,
                "checks": [{"name": c.name, "ok": c.ok, "text": c.text} for c in checks],
            }
        )
        response.status_code = status
        return response
    verdict = "Kod QR jest prawidłowy." if valid else "Kod QR jest nieprawidłowy."
    lines = "\n".join(
        f'  <li class="{"ok" if c.ok else "fail"}" data-check="{c.name}">'
        f"{'✓' if c.ok else '✗'} {escape(c.text)}</li>"
        for c in checks
    )
    page = (
        '<!DOCTYPE html>\n<html lang="pl"><head><meta charset="utf-8">'
        "<title>Weryfikacja kodu QR (CERTYFIKAT)</title></head><body>\n"
        f"<h1>Weryfikacja kodu QR (CERTYFIKAT)</h1>\n<p>{verdict}</p>\n<ul>\n{lines}\n</ul>\n"
        "</body></html>\n"
    )
    return Response(page, status=status, content_type="text/html; charset=utf-8")
