"""The dataclass codec: nested frozen dataclasses <-> JSON-ready data, and back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum, IntEnum, StrEnum
from typing import Any

import pytest

from mock_ksef.codec import from_doc, to_doc


class Colour(StrEnum):
    """A string enum."""

    RED = "red"
    GREEN = "green"


class Level(IntEnum):
    """An integer enum."""

    LOW = 1
    HIGH = 2


class Shape(Enum):
    """A plain enum with text values."""

    ROUND = "round"


@dataclass(frozen=True)
class Leaf:
    """The innermost value."""

    name: str
    at: datetime
    colour: Colour = Colour.RED


@dataclass(frozen=True)
class Branch:
    """A value holding leaves in several containers."""

    leaves: tuple[Leaf, ...]
    best: Leaf | None
    by_name: dict[str, Leaf]
    level: Level
    shape: Shape
    tags: tuple[str, ...] = ()
    note: str | None = None
    score: float = 0.0
    active: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Tree:
    """Two levels of nesting, an optional datetime and an optional enum."""

    branch: Branch
    planted: datetime | None
    colour: Colour | None
    branches: tuple[Branch, ...] = ()


AT = datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=UTC)


def _tree() -> Tree:
    leaf = Leaf("a", AT)
    other = Leaf("b", AT + timedelta(hours=1), Colour.GREEN)
    branch = Branch(
        leaves=(leaf, other),
        best=other,
        by_name={"a": leaf, "b": other},
        level=Level.HIGH,
        shape=Shape.ROUND,
        tags=("x", "y"),
        note="zażółć",
        score=1.5,
        active=False,
        extra={"nested": {"list": [1, 2]}, "n": None},
    )
    empty = Branch((), None, {}, Level.LOW, Shape.ROUND)
    return Tree(branch, planted=None, colour=Colour.GREEN, branches=(branch, empty))


def test_round_trip_through_json() -> None:
    """A nested value survives to_doc -> JSON text -> from_doc unchanged."""
    tree = _tree()
    assert from_doc(Tree, json.loads(json.dumps(to_doc(tree)))) == tree


def test_encoded_form_is_plain_json() -> None:
    """Datetimes become ISO text, enums their values, tuples lists."""
    doc = to_doc(_tree())
    leaf = doc["branch"]["leaves"][0]
    assert leaf == {"name": "a", "at": "2026-11-24T09:00:00.123456+00:00", "colour": "red"}
    assert doc["branch"]["level"] == 2
    assert doc["branch"]["shape"] == "round"
    assert doc["branch"]["tags"] == ["x", "y"]
    assert doc["planted"] is None
    json.dumps(doc)  # no TypeError


def test_decoded_types() -> None:
    """Decoding rebuilds the declared types, not look-alikes."""
    tree = from_doc(Tree, to_doc(_tree()))
    assert isinstance(tree.branch.leaves, tuple)
    assert isinstance(tree.branch.best, Leaf)
    assert isinstance(tree.branch.by_name["a"].at, datetime)
    assert tree.branch.level is Level.HIGH
    assert tree.branch.shape is Shape.ROUND
    assert tree.colour is Colour.GREEN


def test_offsets_are_kept() -> None:
    """A datetime with a non-UTC offset comes back as the same instant and offset."""
    plus_two = datetime(2026, 6, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    leaf = from_doc(Leaf, to_doc(Leaf("a", plus_two)))
    assert leaf.at == plus_two
    assert leaf.at.utcoffset() == timedelta(hours=2)


def test_missing_fields_take_defaults() -> None:
    """Fields absent from an older document get their dataclass defaults."""
    leaf = from_doc(Leaf, {"name": "a", "at": AT.isoformat()})
    assert leaf.colour is Colour.RED


def test_unknown_enum_value_is_an_error() -> None:
    """A value no enum member has is a ValueError, not a silent string."""
    with pytest.raises(ValueError, match="purple"):
        from_doc(Leaf, {"name": "a", "at": AT.isoformat(), "colour": "purple"})
