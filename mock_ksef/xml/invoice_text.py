"""Byte- and character-level rules for invoice files, checked before and after parsing.

KSeF (``faktury/weryfikacja-faktury.md``) wants XML 1.0 in UTF-8 without a BOM, a prolog
(if any) declaring UTF-8, no processing instructions and none of the discouraged code
points. Every breach is a file error: invoice status **430**.
"""

from __future__ import annotations

import re

from mock_ksef.lxml_gate import etree

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

#: The XML declaration at the very start of the file, and its ``encoding`` pseudo-attribute.
_PROLOG = re.compile(rb"<\?xml\s[^>]*?\?>")
_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")

#: A ``Zalacznik`` start tag in any namespace prefix (used for the size limit, before parsing).
_ATTACHMENT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Zalacznik[\s/>]")

_NONCHARACTERS = "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
#: #x7F-#x84, #x86-#x9F, #xFDD0-#xFDEF and #xnFFFE-#xnFFFF (plane 0 ones are illegal anyway).
DISCOURAGED = re.compile(f"[\x7f-\x84\x86-\x9f\ufdd0-\ufdef{_NONCHARACTERS}]")


def mentions_attachment(data: bytes) -> bool:
    """Whether the raw bytes hold a ``Zalacznik`` start tag (no parsing needed)."""
    return _ATTACHMENT_TAG.search(data) is not None


def encoding_problems(data: bytes) -> list[str]:
    """BOM, foreign prolog encoding, invalid UTF-8 and discouraged code points, as text.

    Args:
        data: the decrypted invoice as received.

    Returns:
        One reason per problem found, stopping at the first that makes further checks moot.
    """
    if data.startswith(UTF8_BOM):
        return ["Plik faktury zaczyna się znacznikiem BOM (EF BB BF); wymagane UTF-8 bez BOM"]
    if data.startswith(_UTF16_BOMS):
        return ["Plik faktury jest zakodowany w UTF-16; wymagane UTF-8 bez BOM"]
    prolog = _PROLOG.match(data)
    if prolog:
        declared = _ENCODING.search(prolog.group(0))
        if declared and declared.group(1).decode("ascii", "replace").upper() != "UTF-8":
            name = declared.group(1).decode("ascii", "replace")
            return [f"Prolog XML deklaruje kodowanie '{name}'; dozwolone jest wyłącznie UTF-8"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [
            f"Plik faktury nie jest poprawnym UTF-8: bajt 0x{data[exc.start]:02X} "
            f"na pozycji {exc.start} ({exc.reason})"
        ]
    found = DISCOURAGED.search(text)
    if found:
        return [_discouraged_reason(found.group(0), text, found.start())]
    return []


def _discouraged_reason(char: str, text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    return f"Niedozwolony znak U+{ord(char):04X} w wierszu {line}, kolumnie {column}"


def tree_problems(tree: etree._ElementTree) -> list[str]:
    """Processing instructions and discouraged characters written as character references.

    Args:
        tree: the parsed invoice.

    Returns:
        One reason per kind of problem found.
    """
    root = tree.getroot()
    nodes = [*root.itersiblings(preceding=True), *root.itersiblings(), *root.iter()]
    problems: list[str] = []
    pis = [node for node in nodes if isinstance(node, etree._ProcessingInstruction)]
    if pis:
        targets = ", ".join(sorted({str(pi.target) for pi in pis}))
        problems.append(f"Plik faktury zawiera instrukcje przetwarzania (<?{targets} ...?>)")
    for node in root.iter():
        values = [node.text, node.tail, *node.attrib.values()]
        for value in values:
            found = DISCOURAGED.search(value) if value else None
            if found:
                problems.append(
                    f"Niedozwolony znak U+{ord(found.group(0)):04X} "
                    f"(odwołanie znakowe) w wierszu {node.sourceline}"
                )
                return problems
    return problems
