"""``AuthTokenRequest`` documents signed by real libraries with chosen transforms.

``sign_with_xmlsec`` signs with python-xmlsec (libxmlsec1) from a template whose
``ds:Reference`` carries exactly the transforms asked for, so each transform of KSeF's list
(and some it does not list) can be sent to the mock. ``sign_with_endesive`` is what the PyPI
SDK ``ksef2-0-python`` sends: its own ``sign_xades`` (endesive ``xades.BES().enveloped``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID
from ksef.sdk.xades_sign import sign_xades
from ksef_client.services.xades import XadesKeyPair
from lxml import etree

from tests.support.xades import key_pair

DS = "http://www.w3.org/2000/09/xmldsig#"
DSIG2 = "http://www.w3.org/2002/06/xmldsig-filter2"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
FILTER2 = DSIG2
ENVELOPED = f"{DS}enveloped-signature"
BASE64 = f"{DS}base64"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N11 = "http://www.w3.org/2006/12/xml-c14n11"
C14N_VARIANTS = (
    C14N,
    f"{C14N}#WithComments",
    EXC_C14N,
    f"{EXC_C14N}WithComments",
    C14N11,
    f"{C14N11}#WithComments",
)
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
NOT_SIGNATURE = "not(ancestor-or-self::ds:Signature)"


@dataclass(frozen=True)
class Step:
    """One ``ds:Transform``: its algorithm and its ``ds:XPath`` / filter-2 children."""

    algorithm: str
    xpath: str | None = None
    filters: tuple[tuple[str, str], ...] = field(default=())


def xpath_step(expression: str = NOT_SIGNATURE) -> Step:
    return Step(XPATH, xpath=expression)


def filter2_step(*filters: tuple[str, str]) -> Step:
    return Step(FILTER2, filters=filters or (("subtract", "/descendant::ds:Signature"),))


def _transforms(reference: etree._Element, steps: Sequence[Step]) -> None:
    if not steps:
        return
    transforms = etree.Element(f"{{{DS}}}Transforms")
    reference.insert(0, transforms)
    for step in steps:
        node = etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=step.algorithm)
        if step.xpath is not None:
            etree.SubElement(node, f"{{{DS}}}XPath").text = step.xpath
        for kind, expression in step.filters:
            child = etree.SubElement(node, f"{{{DSIG2}}}XPath", Filter=kind, nsmap={"dsig2": DSIG2})
            child.text = expression


def _key(pair: XadesKeyPair) -> xmlsec.Key:
    key = xmlsec.Key.from_memory(pair.private_key_pem, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_memory(pair.certificate_pem, xmlsec.constants.KeyDataFormatCertPem)
    return key


def sign_with_xmlsec(
    xml: str,
    pair: XadesKeyPair,
    steps: Sequence[Step],
    *,
    canonicalization: str = EXC_C14N,
    digest: str = SHA256,
    uri: str = "",
    extra: Sequence[tuple[str, Sequence[Step]]] = (),
) -> str:
    """Sign ``xml`` enveloped, one reference ``uri`` with ``steps``, then ``extra`` ones.

    ``extra`` references (``(uri, steps)``) may point at a ``ds:Object`` child of the
    signature: ``#payload`` holds a Base64 text, ``#props`` a small XML fragment.
    """
    root = etree.fromstring(xml.encode())
    signature = etree.SubElement(root, f"{{{DS}}}Signature", Id="Signature", nsmap={"ds": DS})
    info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm=canonicalization)
    etree.SubElement(
        info,
        f"{{{DS}}}SignatureMethod",
        Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    )
    for target, target_steps, method in [(uri, steps, digest), *[(u, s, SHA256) for u, s in extra]]:
        reference = etree.SubElement(info, f"{{{DS}}}Reference", URI=target)
        etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=method)
        etree.SubElement(reference, f"{{{DS}}}DigestValue")
        _transforms(reference, target_steps)
    etree.SubElement(signature, f"{{{DS}}}SignatureValue")
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.x509_data_add_certificate(xmlsec.template.add_x509_data(key_info))
    if extra:
        payload = etree.SubElement(signature, f"{{{DS}}}Object", Id="payload")
        payload.text = "UG9kcGlzYW5hIHRyZcWbxIc="
        props = etree.SubElement(signature, f"{{{DS}}}Object", Id="props")
        etree.SubElement(props, f"{{{DS}}}SignatureProperties").text = "KSeF"
    context = xmlsec.SignatureContext()
    for node in root.iter(f"{{{DS}}}Object"):
        context.register_id(node, "Id")
    context.key = _key(pair)
    context.sign(signature)
    return etree.tostring(root, encoding="unicode")


def other_certificate_pem(serial_number: str, algorithm: str = "rsa") -> str:
    """A self-signed certificate for ``serial_number`` on a key of its own (RSA-2048 or,
    with ``algorithm="ed25519"``, a key type no XAdES signature method here can use)."""
    if algorithm == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key_pair(serial_number=serial_number, key=key).certificate_pem
    edwards = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number)])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name)
    cert = (
        builder.public_key(edwards.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(edwards, None)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def sign_with_endesive(xml: str, pair: XadesKeyPair) -> str:
    """Sign ``xml`` exactly as ``ksef2-0-python`` does before it posts the document."""
    key = serialization.load_pem_private_key(pair.private_key_pem.encode(), None)
    cert = x509.load_pem_x509_certificate(pair.certificate_pem.encode())
    return bytes(sign_xades(xml.encode(), key, cert)).decode()
