"""``GET /security/public-key-certificates``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from mock_ksef.crypto.digest import b64
from mock_ksef.http.context import services
from mock_ksef.timefmt import iso

bp = Blueprint("security", __name__)


@bp.get("/security/public-key-certificates")
def public_key_certificates() -> Response:
    """The mock's encryption certificates, one per usage."""
    return jsonify(
        [
            {
                "certificate": b64(pair.certificate_der),
                "certificateId": pair.certificate_id,
                "publicKeyId": pair.public_key_id,
                "validFrom": iso(pair.certificate.not_valid_before_utc),
                "validTo": iso(pair.certificate.not_valid_after_utc),
                "usage": [pair.usage],
            }
            for pair in services().keys.published
        ]
    )
