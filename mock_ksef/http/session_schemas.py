"""marshmallow schemas of the session request bodies (camelCase on the wire)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from mock_ksef.domain.online import OpenOnline, SendInvoice
from mock_ksef.domain.session import FormCode
from mock_ksef.http.bodies import TolerantSchema

_HASH = validate.Length(equal=44)


_Tolerant = TolerantSchema


class FormCodeSchema(_Tolerant):
    systemCode = fields.String(required=True)
    schemaVersion = fields.String(required=True)
    value = fields.String(required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> FormCode:
        return FormCode(data["systemCode"], data["schemaVersion"], data["value"])


class EncryptionSchema(_Tolerant):
    encryptedSymmetricKey = fields.String(required=True)
    initializationVector = fields.String(required=True)
    publicKeyId = fields.String(load_default=None, allow_none=True)


class OpenOnlineSchema(_Tolerant):
    formCode = fields.Nested(FormCodeSchema, required=True)
    encryption = fields.Nested(EncryptionSchema, required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> OpenOnline:
        enc = data["encryption"]
        return OpenOnline(
            data["formCode"],
            enc["encryptedSymmetricKey"],
            enc["initializationVector"],
            enc["publicKeyId"],
        )


class SendInvoiceSchema(_Tolerant):
    invoiceHash = fields.String(required=True, validate=_HASH)
    invoiceSize = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    encryptedInvoiceHash = fields.String(required=True, validate=_HASH)
    encryptedInvoiceSize = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1)
    )
    encryptedInvoiceContent = fields.String(required=True)
    offlineMode = fields.Boolean(load_default=False)
    hashOfCorrectedInvoice = fields.String(load_default=None, allow_none=True, validate=_HASH)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> SendInvoice:
        return SendInvoice(
            data["invoiceHash"],
            data["invoiceSize"],
            data["encryptedInvoiceHash"],
            data["encryptedInvoiceSize"],
            data["encryptedInvoiceContent"],
            data["offlineMode"],
            data["hashOfCorrectedInvoice"],
        )
