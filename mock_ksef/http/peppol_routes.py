"""``GET /peppol/query``: the registered Peppol service providers (public; a bearer sent
along, as the C# suite does, is ignored)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.paging import PageSizes
from mock_ksef.domain.peppol.peppol_providers import PeppolProviders
from mock_ksef.http.bodies import page_size
from mock_ksef.http.context import services
from mock_ksef.timefmt import iso

bp = Blueprint("peppol", __name__)
PROVIDER_PAGES = PageSizes(10, 100)


def _page_offset() -> int:
    raw = request.args.get("pageOffset", "0")
    if not raw.isdigit():
        raise ValidationFailed(f"pageOffset: '{raw}' — oczekiwano liczby całkowitej ≥ 0.")
    return int(raw)


@bp.get("/peppol/query")
def query_providers() -> Response:
    """A page of providers, ``dateCreated`` desc then ``id`` asc; ``hasMore``."""
    size = page_size(PROVIDER_PAGES)
    offset = _page_offset()
    found, more = PeppolProviders(services().store).page(offset, size)
    return jsonify(
        {
            "peppolProviders": [
                {"id": p.id, "name": p.name, "dateCreated": iso(p.date_created)} for p in found
            ],
            "hasMore": more,
        }
    )
