"""marshmallow schemas of the batch session request (camelCase on the wire)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from mock_ksef.domain.batch import OpenBatch, PartDeclaration
from mock_ksef.http.bodies import TolerantSchema
from mock_ksef.http.session_schemas import EncryptionSchema, FormCodeSchema

_HASH = validate.Length(equal=44)


class PartSchema(TolerantSchema):
    ordinalNumber = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    fileSize = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    fileHash = fields.String(required=True, validate=_HASH)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> PartDeclaration:
        return PartDeclaration(data["ordinalNumber"], data["fileSize"], data["fileHash"])


class BatchFileSchema(TolerantSchema):
    fileSize = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=5_000_000_000)
    )
    fileHash = fields.String(required=True, validate=_HASH)
    compressionType = fields.String(
        load_default="Zip", allow_none=True, validate=validate.OneOf(("Zip", "TarGz"))
    )
    # More than 50 parts is 21161 (domain), not a validation error.
    fileParts = fields.List(
        fields.Nested(PartSchema), required=True, validate=validate.Length(min=1)
    )


class OpenBatchSchema(TolerantSchema):
    formCode = fields.Nested(FormCodeSchema, required=True)
    encryption = fields.Nested(EncryptionSchema, required=True)
    batchFile = fields.Nested(BatchFileSchema, required=True)
    offlineMode = fields.Boolean(load_default=False, allow_none=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> OpenBatch:
        enc = data["encryption"]
        batch_file = data["batchFile"]
        return OpenBatch(
            form_code=data["formCode"],
            encrypted_symmetric_key=enc["encryptedSymmetricKey"],
            initialization_vector=enc["initializationVector"],
            public_key_id=enc["publicKeyId"],
            file_size=batch_file["fileSize"],
            file_hash=batch_file["fileHash"],
            compression=batch_file["compressionType"] or "Zip",
            parts=tuple(batch_file["fileParts"]),
            offline_mode=bool(data["offlineMode"]),
        )
