"""Frozen dataclasses <-> JSON-ready dicts, for the store and the admin dump.

Supports the field types the domain uses: str, int, float, bool, None, datetime
(ISO text), tuples, dicts of plain values, enums and nested dataclasses.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_doc(value: Any) -> Any:
    """Encode a dataclass (or plain value) to JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_doc(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_doc(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_doc(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_doc(cls: type[T], doc: Any) -> T:
    """Decode data made by :func:`to_doc` back into ``cls``."""
    decoder: Decoder = _decoder(typing.cast(Any, cls))
    return typing.cast(T, decoder(doc))


Decoder = Callable[[Any], Any]


def _identity(data: Any) -> Any:
    return data


@cache
def _decoder(tp: Any) -> Decoder:
    """A decoder for ``tp``, built once per type (the per-document work is only the data)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decoder(options[0])
    if origin is tuple:
        item = _decoder(typing.get_args(tp)[0])
        if item is _identity:
            return lambda data: None if data is None else tuple(data)
        return lambda data: None if data is None else tuple(item(x) for x in data)
    if origin is dict:
        value = _decoder(typing.get_args(tp)[1])
        if value is _identity:
            return lambda data: None if data is None else dict(data)
        return lambda data: None if data is None else {k: value(v) for k, v in data.items()}
    if tp is Any:
        return _identity
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if tp is datetime:
        return lambda data: None if data is None else datetime.fromisoformat(data)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda data: None if data is None else tp(data)
    return _identity


def _dataclass_decoder(cls: type) -> Decoder:
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    # Resolved on first use (a field's type may refer back to ``cls``); a race builds it twice.
    plan: list[tuple[tuple[str, Decoder | None], ...]] = []

    def decode(data: Any) -> Any:
        if data is None:
            return None
        if not plan:
            plan.append(tuple((n, _nontrivial(_decoder(hints[n]))) for n in names))
        kwargs = {}
        for name, field_decoder in plan[0]:
            if name in data:
                raw = data[name]
                kwargs[name] = raw if field_decoder is None else field_decoder(raw)
        return cls(**kwargs)

    return decode


def _nontrivial(decoder: Decoder) -> Decoder | None:
    return None if decoder is _identity else decoder
