"""XAdES transforms over HTTP: KSeF's list is accepted, anything else is 9105 naming it.

Documents are signed by real libraries: python-xmlsec (libxmlsec1) with chosen transforms,
and endesive as the PyPI SDK ``ksef2-0-python`` calls it.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from lxml import etree

from tests.http.test_auth import assert_error
from tests.http.test_auth_xades import PERSON, challenge, post, status_of
from tests.support.nips import NIP
from tests.support.xades import unsigned_request
from tests.support.xades_variants import (
    BASE64,
    C14N_VARIANTS,
    DS,
    ENVELOPED,
    EXC_C14N,
    NOT_SIGNATURE,
    XPATH,
    XSLT,
    Step,
    filter2_step,
    other_certificate_pem,
    sign_with_endesive,
    sign_with_xmlsec,
    xpath_step,
)

BAD_SIGNATURE = "Nieprawidłowy podpis."
ALLOWED = (
    "http://www.w3.org/TR/1999/REC-xpath-19991116, http://www.w3.org/2002/06/xmldsig-filter2, "
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature, "
    "http://www.w3.org/2000/09/xmldsig#base64, " + ", ".join(C14N_VARIANTS)
)


def login_ok(client, document: str) -> None:
    assert status_of(client, post(client, document))["status"]["code"] == 200


def refused(client, document: str) -> str:
    entry = assert_error(post(client, document), 9105, BAD_SIGNATURE)
    assert len(entry["details"]) == 1
    return str(entry["details"][0])


def test_endesive_document_as_ksef2_0_python_sends_it(client):
    signed = sign_with_endesive(unsigned_request(challenge(client), NIP), PERSON)
    transform = f'<ds:Transform Algorithm="{XPATH}"><ds:XPath>{NOT_SIGNATURE}</ds:XPath>'
    assert transform in signed
    assert 'Type="http://uri.etsi.org/01903#SignedProperties"' in signed
    login_ok(client, signed)


@pytest.mark.parametrize(
    "steps",
    [
        [xpath_step()],  # no canonicalisation named: C14N 1.0 applies
        [xpath_step(), Step(EXC_C14N)],
        [filter2_step()],
        [filter2_step(("subtract", "//ds:Signature"), ("union", "//*[local-name()='Nip']"))],
        *[[Step(ENVELOPED), Step(c14n)] for c14n in C14N_VARIANTS],
        [Step(ENVELOPED)],
    ],
    ids=lambda steps: "+".join(s.algorithm.rsplit("/", 1)[-1] for s in steps),
)
def test_listed_transforms_are_accepted(client, steps):
    login_ok(client, sign_with_xmlsec(unsigned_request(challenge(client), NIP), PERSON, steps))


@pytest.mark.parametrize("c14n", C14N_VARIANTS)
def test_every_signed_info_canonicalization_is_accepted(client, c14n):
    document = unsigned_request(challenge(client), NIP)
    login_ok(client, sign_with_xmlsec(document, PERSON, [Step(ENVELOPED)], canonicalization=c14n))


def test_base64_and_same_document_references_are_accepted(client):
    document = unsigned_request(challenge(client), NIP)
    extra = [("#payload", [Step(BASE64)]), ("#props", [])]
    login_ok(client, sign_with_xmlsec(document, PERSON, [Step(ENVELOPED)], extra=extra))


def test_unknown_transform_is_9105_naming_it(client):
    document = unsigned_request(challenge(client), NIP)
    signed = sign_with_xmlsec(document, PERSON, [Step(ENVELOPED)])
    forged = signed.replace(ENVELOPED, XSLT)
    assert refused(client, forged) == (
        f"Reference 0: transformata {XSLT} nie jest dozwolona w podpisie XAdES KSeF "
        f"(dozwolone: {ALLOWED})."
    )


@pytest.mark.parametrize(
    ("expression", "found"),
    [
        ("not(ancestor-or-self::*[local-name()='Challenge'])", None),
        ("true()", None),
        (NOT_SIGNATURE, f"{NOT_SIGNATURE}; {NOT_SIGNATURE}"),
    ],
    ids=["hides-challenge", "true", "two-expressions"],
)
def test_xpath_transform_with_another_expression_is_9105(client, expression, found):
    document = unsigned_request(challenge(client), NIP)
    signed = sign_with_xmlsec(document, PERSON, [xpath_step(expression)])
    if found:  # a second ds:XPath next to the expected one
        single = f"<ds:XPath>{NOT_SIGNATURE}</ds:XPath>"
        signed = signed.replace(single, single * 2)
    assert refused(client, signed) == (
        f"Reference 0: transformata {XPATH} dopuszcza wyłącznie wyrażenie {NOT_SIGNATURE} "
        f"(prefiks ds = {DS}), otrzymano: {found or expression}."
    )


def test_xpath_transform_with_ds_bound_elsewhere_is_9105(client):
    signed = sign_with_xmlsec(unsigned_request(challenge(client), NIP), PERSON, [xpath_step()])
    rebound = signed.replace("<ds:XPath>", '<ds:XPath xmlns:ds="urn:other">', 1)
    assert refused(client, rebound).startswith(f"Reference 0: transformata {XPATH} dopuszcza")


@pytest.mark.parametrize(
    "filters",
    [
        [("subtract", "//*[local-name()='Challenge']")],
        [("subtract", "//ds:Signature | //*[local-name()='Nip']/text()")],
        # libxmlsec1 digests an empty node set here: a signature over nothing
        [("intersect", "/"), ("subtract", "/descendant::ds:Signature")],
        [("subtract", "count(/)")],
        [("subtract", "//ds:Signature[")],
    ],
    ids=["challenge", "nip-text", "intersect", "not-a-node-set", "syntax-error"],
)
def test_filter2_that_may_drop_content_does_not_cover_the_document(client, filters):
    document = unsigned_request(challenge(client), NIP)
    valid = [(kind, expression.rstrip("[")) for kind, expression in filters]
    signed = sign_with_xmlsec(document, PERSON, [filter2_step(*valid)])
    signed = signed.replace(">//ds:Signature<", f">{filters[-1][1]}<")  # the broken one
    assert refused(client, signed) == (
        "Podpis nie obejmuje dokumentu AuthTokenRequest: żadne ds:Reference nie ma "
        'URI="" (ani Id elementu głównego) bez transformat usuwających jego treść.'
    )


def test_signed_info_without_reference_signs_nothing(client):
    signed = sign_with_xmlsec(unsigned_request(challenge(client), NIP), PERSON, [Step(ENVELOPED)])
    emptied = re.sub(r"<ds:Reference .*?</ds:Reference>", "", signed, flags=re.S)
    assert "<ds:Reference" not in emptied
    assert refused(client, emptied) == (
        "ds:SignedInfo nie zawiera żadnego elementu ds:Reference: podpis niczego nie "
        'podpisuje (wymagane odwołanie URI="" obejmujące dokument AuthTokenRequest).'
    )


@pytest.mark.parametrize("uri", ["http://127.0.0.1:9/auth.xml", "file:///etc/passwd", "#nowhere"])
def test_reference_outside_the_document_is_9105(client, uri):
    document = unsigned_request(challenge(client), NIP)
    signed = sign_with_xmlsec(document, PERSON, [Step(ENVELOPED)], extra=[("#props", [])])
    forged = signed.replace('URI="#props"', f'URI="{uri}"')
    assert refused(client, forged) == (
        f'Reference 1: URI="{uri}" nie wskazuje elementu tego dokumentu; dozwolone są tylko '
        'URI="" i "#Id" (odwołania zewnętrzne i XPointer nie są obsługiwane).'
    )


def test_duplicate_id_is_9105(client):
    document = unsigned_request(challenge(client), NIP)
    signed = sign_with_xmlsec(document, PERSON, [Step(ENVELOPED)], extra=[("#props", [])])
    doubled = signed.replace('Id="payload"', 'Id="props"')
    assert refused(client, doubled) == (
        'Identyfikator Id="props" występuje w dokumencie więcej niż raz; odwołanie '
        "ds:Reference do niego byłoby niejednoznaczne."
    )


def test_sha1_digest_is_9105(client):
    sha1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    document = unsigned_request(challenge(client), NIP)
    signed = sign_with_xmlsec(document, PERSON, [Step(ENVELOPED)], digest=sha1)
    assert refused(client, signed).startswith(
        f"Reference 0: algorytm ds:DigestMethod {sha1} nie jest dozwolony (dozwolone: "
    )


def test_tampered_document_names_the_reference_and_both_digests(client):
    signed = sign_with_xmlsec(
        unsigned_request(challenge(client), NIP), PERSON, [Step(ENVELOPED), Step(EXC_C14N)]
    )
    tampered = signed.replace(f"<Nip>{NIP}</Nip>", "<Nip>1111111111</Nip>")
    root = etree.fromstring(tampered.encode())
    given = root.findtext(f".//{{{DS}}}DigestValue")
    signature = root.find(f"{{{DS}}}Signature")
    assert signature is not None
    root.remove(signature)
    canonical = etree.tostring(root, method="c14n", exclusive=True)
    computed = base64.b64encode(hashlib.sha256(canonical).digest()).decode()
    assert refused(client, tampered) == (
        f'Digest mismatch for reference 0 (URI=""): obliczony skrót {computed}, w podpisie '
        f"{given}; podpisana treść została zmieniona po złożeniu podpisu."
    )


def test_tampered_endesive_signed_properties_name_reference_1(client):
    signed = sign_with_endesive(unsigned_request(challenge(client), NIP), PERSON)
    tampered = re.sub(
        r"<xades:SigningTime>[^<]+", "<xades:SigningTime>2020-01-01T00:00:00Z", signed
    )
    assert tampered != signed
    assert refused(client, tampered).startswith('Digest mismatch for reference 1 (URI="#Signed')


@pytest.mark.parametrize("algorithm", ["rsa", "ed25519"])
def test_signature_by_another_key_is_9105(client, algorithm):
    signed = sign_with_xmlsec(unsigned_request(challenge(client), NIP), PERSON, [Step(ENVELOPED)])
    pem = "".join(other_certificate_pem(f"TINPL-{NIP}", algorithm).strip().splitlines()[1:-1])
    assert pem not in signed
    forged = re.sub(r"(<ds:X509Certificate>)[^<]+", rf"\g<1>{pem}", signed)
    assert refused(client, forged).startswith(
        "Wartość ds:SignatureValue nie zgadza się z kluczem publicznym certyfikatu "
        "ds:X509Certificate ("
    )
