"""Parsing ``InvoiceExportRequest``: the query's filters parser, nested, plus encryption."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from mock_ksef.domain.exports.export_use_cases import ExportRequest
from mock_ksef.http.bodies import TolerantSchema
from mock_ksef.http.invoice_schemas import InvoiceFiltersSchema


def _required(name: str) -> dict[str, Any]:
    return {"required": f"'{name}' is required.", "null": f"'{name}' must not be null."}


class ExportEncryptionSchema(TolerantSchema):
    encryptedSymmetricKey = fields.String(
        required=True, error_messages=_required("encryption.encryptedSymmetricKey")
    )
    initializationVector = fields.String(
        required=True, error_messages=_required("encryption.initializationVector")
    )
    publicKeyId = fields.String(load_default=None, allow_none=True)


class ExportRequestSchema(TolerantSchema):
    """``InvoiceExportRequest`` -> :class:`ExportRequest`."""

    encryption = fields.Nested(
        ExportEncryptionSchema, required=True, error_messages=_required("encryption")
    )
    filters = fields.Nested(
        InvoiceFiltersSchema, required=True, error_messages=_required("filters")
    )
    onlyMetadata = fields.Boolean(load_default=False, allow_none=True)
    compressionType = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            ("Zip", "TarGz"),
            error="'compressionType' must be one of 'Zip', 'TarGz'. You entered '{input}'.",
        ),
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ExportRequest:
        encryption = data["encryption"]
        return ExportRequest(
            filters=data["filters"],
            encrypted_symmetric_key=encryption["encryptedSymmetricKey"],
            initialization_vector=encryption["initializationVector"],
            public_key_id=encryption["publicKeyId"],
            only_metadata=bool(data["onlyMetadata"]),
            compression=data["compressionType"] or "Zip",
        )
