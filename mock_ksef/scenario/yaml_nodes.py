"""Strict YAML reading that remembers where every value came from.

The loader is ``yaml.SafeLoader`` with two YAML 1.1 surprises removed: only ``true`` and
``false`` are booleans (``on``/``off``/``yes``/``no`` stay strings, so a validator can
point at them), and dates stay strings. The composed node tree is turned into plain
JSON-like data by hand so that every mapping key and value keeps its line and column,
duplicate keys are errors, and non-string keys are reported instead of crashing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

#: JSON path of a value: mapping keys and list indexes from the document root.
JsonPath = tuple[str | int, ...]

#: Words YAML 1.1 (and so most YAML tools) read as booleans; here they are strings.
YAML11_BOOLEANS = frozenset(
    {"y", "yes", "n", "no", "on", "off", "true", "false"}
)  # compared case-insensitively
TRAP_HINT = (
    "YAML 1.1 boolean trap: on/off/yes/no are not booleans in scenario files, write true or false"
)


class StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` whose booleans are exactly ``true``/``false`` and without dates."""


StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in the source text."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark | None) -> Mark:
        """The 1-based position of a PyYAML (0-based) mark."""
        return cls(mark.line + 1, mark.column + 1) if mark else cls(1, 1)


@dataclass(frozen=True)
class NodeProblem:
    """A structural problem found while reading the nodes."""

    mark: Mark
    path: JsonPath
    message: str


@dataclass
class Document:
    """Plain data plus where each value and each mapping key starts."""

    data: Any
    values: dict[JsonPath, Mark] = field(default_factory=dict)
    keys: dict[JsonPath, Mark] = field(default_factory=dict)
    problems: list[NodeProblem] = field(default_factory=list)

    def mark(self, path: JsonPath, *, key: bool = False) -> Mark:
        """Where the value (or, with ``key``, the key) at ``path`` or its nearest parent is."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            found = table.get(path[:end]) or self.values.get(path[:end])
            if found:
                return found
        return Mark(1, 1)


def compose(text: str) -> Document | None:
    """Read ``text`` as one YAML document; ``None`` when it holds no document at all.

    Raises:
        yaml.MarkedYAMLError: a syntax error (with a problem mark).
    """
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        document = Document(data=None)
        document.data = _convert(loader, node, (), document, depth=0)
        return document
    finally:
        loader.dispose()


_MAX_DEPTH = 64


def _convert(
    loader: StrictLoader, node: yaml.Node, path: JsonPath, doc: Document, depth: int
) -> Any:
    doc.values[path] = Mark.of(node.start_mark)
    if depth > _MAX_DEPTH:
        doc.problems.append(NodeProblem(Mark.of(node.start_mark), path, "nested too deeply"))
        return None
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # ``<<`` merge keys
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key_mark = Mark.of(key_node.start_mark)
            if not isinstance(key, str):
                doc.problems.append(NodeProblem(key_mark, path, _bad_key(key)))
                continue
            if key in result:
                first = doc.keys[(*path, key)]
                doc.problems.append(
                    NodeProblem(
                        key_mark,
                        (*path, key),
                        f"duplicate key {key!r} (first at line {first.line})",
                    )
                )
                continue
            doc.keys[(*path, key)] = key_mark
            result[key] = _convert(loader, value_node, (*path, key), doc, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, item, (*path, index), doc, depth + 1)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _bad_key(key: object) -> str:
    if isinstance(key, bool):
        return f"key {str(key).lower()} is a boolean; keys must be strings"
    return f"key {key!r} is a {type(key).__name__}; keys must be strings"


def format_path(path: JsonPath) -> str:
    """``online.outcome.code``, ``invoices[2].match``, or ``(root)`` for the document."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"
