"""What a XAdES ``ds:SignedInfo`` may contain before the signature is verified at all.

KSeF's "Podpis XAdES" page lists the transforms a signature may use; the verification engine
(libxmlsec1) implements many more (XSLT, XPointer, external URIs...), so every
``ds:Reference`` is inspected first and anything outside the list is refused, naming it:

* the XPath filter (``REC-xpath-19991116``) with exactly ``not(ancestor-or-self::ds:Signature)``
  (``ds`` bound to the XMLDSig namespace), what endesive and DSS write;
* XPath Filter 2.0 (``xmldsig-filter2``) with ``intersect``/``subtract``/``union`` filters;
* ``enveloped-signature``, ``base64`` and the six C14N variants (1.0, 1.1, exclusive, each
  with and without comments).

A reference names ``URI=""`` or ``#id`` of an element of the document: nothing external is
ever fetched. One reference must cover the whole ``AuthTokenRequest``: ``URI=""`` or the
root's ``Id``, no ``base64``, and XPath 2.0 filters that only ``subtract`` what lies inside
``ds:Signature`` (or ``union``).
"""

from __future__ import annotations

from collections.abc import Iterable

from mock_ksef.lxml_gate import etree

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
FILTER2_NS = "http://www.w3.org/2002/06/xmldsig-filter2"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
FILTER2 = FILTER2_NS
ENVELOPED = f"{DSIG_NS}enveloped-signature"
BASE64 = f"{DSIG_NS}base64"
#: The only expression accepted in an XPath 1.0 filter transform.
XPATH_NOT_SIGNATURE = "not(ancestor-or-self::ds:Signature)"
C14N_METHODS = (
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
)
TRANSFORMS = (XPATH, FILTER2, ENVELOPED, BASE64, *C14N_METHODS)
_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
#: SHA-1 and MD5 are refused, as signxml refuses them by default.
SIGNATURE_METHODS = tuple(
    f"{_MORE}{algorithm}-{digest}"
    for algorithm in ("rsa", "ecdsa")
    for digest in ("sha224", "sha256", "sha384", "sha512")
)
DIGEST_METHODS = (
    f"{_MORE}sha224",
    "http://www.w3.org/2001/04/xmlenc#sha256",
    f"{_MORE}sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
)
ID_ATTRIBUTES = ("Id", "ID", "id")
_FILTERS = ("intersect", "subtract", "union")


class SignatureError(Exception):
    """The signature does not verify or uses what KSeF does not accept (KSeF 9105)."""


def _ds(name: str) -> str:
    return f"{{{DSIG_NS}}}{name}"


def _listing(values: Iterable[str]) -> str:
    return ", ".join(values)


def identified_elements(root: etree._Element) -> dict[str, etree._Element]:
    """Every element carrying an ``Id``/``ID``/``id`` attribute, by that value.

    Raises:
        SignatureError: a value occurs twice (a reference to it would be ambiguous, the
            classic signature-wrapping trick).
    """
    found: dict[str, etree._Element] = {}
    for element in root.iter(tag=etree.Element):
        for attribute in ID_ATTRIBUTES:
            value = element.get(attribute)
            if value is None:
                continue
            if value in found:
                raise SignatureError(
                    f'Identyfikator {attribute}="{value}" występuje w dokumencie więcej niż '
                    "raz; odwołanie ds:Reference do niego byłoby niejednoznaczne."
                )
            found[value] = element
    return found


def checked_references(root: etree._Element, signature: etree._Element) -> list[etree._Element]:
    """The ``ds:Reference`` elements of ``signature``, once every rule above holds.

    Raises:
        SignatureError: the message names the offending element, URI or algorithm.
    """
    signed_info = signature.find(_ds("SignedInfo"))
    if signed_info is None:
        raise SignatureError("Podpis nie zawiera elementu ds:SignedInfo.")
    _check_algorithm(signed_info, "CanonicalizationMethod", C14N_METHODS)
    _check_algorithm(signed_info, "SignatureMethod", SIGNATURE_METHODS)
    references = signed_info.findall(_ds("Reference"))
    if not references:
        raise SignatureError(
            "ds:SignedInfo nie zawiera żadnego elementu ds:Reference: podpis niczego nie "
            'podpisuje (wymagane odwołanie URI="" obejmujące dokument AuthTokenRequest).'
        )
    ids = identified_elements(root)
    covering = False
    for index, reference in enumerate(references):
        _check_uri(index, reference, ids)
        _check_algorithm(reference, "DigestMethod", DIGEST_METHODS, f"Reference {index}: ")
        transforms = reference.findall(f"{_ds('Transforms')}/{_ds('Transform')}")
        for transform in transforms:
            _check_transform(index, transform)
        covering = covering or _covers_document(root, signature, index, reference)
    if not covering:
        raise SignatureError(
            "Podpis nie obejmuje dokumentu AuthTokenRequest: żadne ds:Reference nie ma "
            'URI="" (ani Id elementu głównego) bez transformat usuwających jego treść.'
        )
    return references


def _check_algorithm(
    parent: etree._Element, name: str, allowed: tuple[str, ...], where: str = ""
) -> None:
    node = parent.find(_ds(name))
    algorithm = None if node is None else node.get("Algorithm")
    if algorithm is None:
        raise SignatureError(f"{where}brak elementu ds:{name} z atrybutem Algorithm.")
    if algorithm not in allowed:
        raise SignatureError(
            f"{where}algorytm ds:{name} {algorithm} nie jest dozwolony "
            f"(dozwolone: {_listing(allowed)})."
        )


def _check_uri(index: int, reference: etree._Element, ids: dict[str, etree._Element]) -> None:
    uri = reference.get("URI")
    if uri is None:
        raise SignatureError(f"Reference {index}: brak atrybutu URI.")
    if uri == "":
        return
    if not uri.startswith("#") or uri[1:] not in ids:
        raise SignatureError(
            f'Reference {index}: URI="{uri}" nie wskazuje elementu tego dokumentu; dozwolone '
            'są tylko URI="" i "#Id" (odwołania zewnętrzne i XPointer nie są obsługiwane).'
        )


def _check_transform(index: int, transform: etree._Element) -> None:
    algorithm = transform.get("Algorithm") or ""
    if algorithm not in TRANSFORMS:
        raise SignatureError(
            f"Reference {index}: transformata {algorithm or '(brak Algorithm)'} nie jest "
            f"dozwolona w podpisie XAdES KSeF (dozwolone: {_listing(TRANSFORMS)})."
        )
    if algorithm == XPATH:
        _check_xpath(index, transform)
    elif algorithm == FILTER2:
        _filters(index, transform)


def _check_xpath(index: int, transform: etree._Element) -> None:
    expressions = transform.findall(_ds("XPath"))
    text = " ".join((expressions[0].text or "").split()) if len(expressions) == 1 else ""
    if text != XPATH_NOT_SIGNATURE or expressions[0].nsmap.get("ds") != DSIG_NS:
        found = "; ".join((e.text or "").strip() for e in expressions) or "(brak ds:XPath)"
        raise SignatureError(
            f"Reference {index}: transformata {XPATH} dopuszcza wyłącznie wyrażenie "
            f"{XPATH_NOT_SIGNATURE} (prefiks ds = {DSIG_NS}), otrzymano: {found}."
        )


def _filters(index: int, transform: etree._Element) -> list[tuple[str, etree._Element]]:
    children = [c for c in transform if isinstance(c.tag, str)]
    if not children:
        raise SignatureError(f"Reference {index}: transformata {FILTER2} bez elementu XPath.")
    filters = []
    for child in children:
        kind = child.get("Filter") or ""
        if child.tag != f"{{{FILTER2_NS}}}XPath" or kind not in _FILTERS:
            raise SignatureError(
                f"Reference {index}: transformata {FILTER2} przyjmuje tylko elementy "
                f"XPath ({FILTER2_NS}) z Filter={'|'.join(_FILTERS)}, otrzymano "
                f'{etree.QName(child).localname} Filter="{kind}".'
            )
        filters.append((kind, child))
    return filters


def _covers_document(
    root: etree._Element, signature: etree._Element, index: int, reference: etree._Element
) -> bool:
    uri = reference.get("URI")
    root_id = next((root.get(a) for a in ID_ATTRIBUTES if root.get(a)), None)
    if uri != "" and (root_id is None or uri != f"#{root_id}"):
        return False
    for transform in reference.findall(f"{_ds('Transforms')}/{_ds('Transform')}"):
        algorithm = transform.get("Algorithm")
        if algorithm == BASE64:
            return False
        if algorithm == FILTER2 and not all(
            _filter_keeps_document(root, signature, kind, node)
            for kind, node in _filters(index, transform)
        ):
            return False
    return True


def _filter_keeps_document(
    root: etree._Element, signature: etree._Element, kind: str, node: etree._Element
) -> bool:
    """Whether one XPath 2.0 filter leaves everything outside ``ds:Signature`` in place.

    ``union`` only adds nodes; ``subtract`` may select only nodes inside the signature (the
    expression is evaluated by lxml, on the same libxml2 as libxmlsec1). ``intersect`` never
    counts: libxmlsec1 does not expand the document node, so ``intersect /`` digests an
    empty node set, a signature over nothing.
    """
    if kind != "subtract":
        return kind == "union"
    namespaces = {k: v for k, v in node.nsmap.items() if k}
    try:
        selected = root.getroottree().xpath((node.text or "").strip(), namespaces=namespaces)
    except etree.XPathError:
        return False
    if not isinstance(selected, list):
        return False
    inside = set(signature.iter())
    for item in selected:
        owner = item if isinstance(item, etree._Element) else None
        if isinstance(item, etree._ElementUnicodeResult) and not item.is_tail:
            owner = item.getparent()
        if owner is None or owner not in inside:
            return False
    return True
