"""The SQL of ``Store.query`` over the ``idx``/``docs`` tables: one ordered index walk.

The SQLite backend runs it as written; the PostgreSQL backend runs the same statement in
its dialect (``postgres._query_sql``), so both answer every :class:`Query` alike.
"""

from __future__ import annotations

from mock_ksef.store.base import Cursor, Query, Slice

_EXISTS = (
    " AND EXISTS (SELECT 1 FROM idx e WHERE e.kind=i.kind AND e.name=? AND e.value=?"
    " AND e.key=i.key)"
)


def _seek_bounds(query: Query) -> tuple[list[tuple[str, str]], Cursor | None]:
    """The range bounds and cursor to send, without the redundant ones.

    SQLite seeks an index from one lower bound: given ``value >= low`` *and*
    ``(value, key) > cursor`` it starts at ``low`` and skips every row up to the cursor,
    so each keyset page would cost the whole range walked so far (measured: 2 ms for the
    first page of 100,000 entries, 72 ms for a page at 90,000). A bound the cursor
    implies is dropped, and the cursor when a bound implies it (same in descending order,
    where the cursor is an upper bound).
    """
    start = [(">=", query.low)]
    stop = [("<=", query.high), ("<", query.below)]
    seek, end = (stop, start) if query.descending else (start, stop)
    after = query.after
    kept: list[tuple[str, str]] = []
    for op, bound in seek:
        if bound is None:
            continue
        if after is None or not _implies(after.value, op, bound):
            kept.append((op, bound))
    if after is not None and kept:
        after = None  # the cursor lies outside a bound: that bound alone decides
    kept += [(op, bound) for op, bound in end if bound is not None]
    return kept, after


def _implies(cursor: str, op: str, bound: str) -> bool:
    """Whether rows past a cursor at ``cursor`` all satisfy ``value {op} bound``."""
    if op == ">=":
        return cursor >= bound
    if op == "<=":
        return cursor <= bound
    return cursor < bound  # "<"


_SLICE_OPS = {"eq": "=", "ge": ">=", "le": "<="}


def _slice_sql(value: str, test: Slice) -> tuple[str, list[object]]:
    """The condition of one :class:`Slice` on the ordered value (1-based ``substr``)."""
    width = "" if test.width is None else f", {int(test.width)}"
    part = f"substr({value}, {int(test.start) + 1}{width})"
    if isinstance(test.operand, tuple):
        if not test.operand:
            return "1=0", []
        return f"{part} IN ({','.join('?' * len(test.operand))})", list(test.operand)
    return f"{part} {_SLICE_OPS[test.op]} ?", [test.operand]


def _query_sql(kind: str, query: Query) -> tuple[str, list[object]]:
    """The statement of :meth:`SqliteStore.query`: a walk along one index, in order."""
    if query.order_by is None:
        # The document table itself (aliased ``i`` like the index), by its primary key.
        body = "NULL" if query.keys_only else "i.body"
        sql = f"SELECT i.key, i.key, {body} FROM docs i WHERE i.kind=?"
        params: list[object] = [kind]
        value = "i.key"
    elif query.keys_only:
        # A covering scan: the index rows alone, no document read.
        sql = "SELECT i.key, i.value, NULL FROM idx i WHERE i.kind=? AND i.name=?"
        params = [kind, query.order_by]
        value = "i.value"
    else:
        sql = (
            "SELECT i.key, i.value, d.body FROM idx i CROSS JOIN docs d"
            " ON d.kind=i.kind AND d.key=i.key WHERE i.kind=? AND i.name=?"
        )
        params = [kind, query.order_by]
        value = "i.value"
    bounds, after = _seek_bounds(query)
    for op, bound in bounds:
        sql += f" AND {value} {op} ?"
        params.append(bound)
    if after is not None:
        sql += f" AND ({value}, i.key) {'<' if query.descending else '>'} (?, ?)"
        params += [after.value, after.key]
    for name, wanted in query.equal.items():
        sql += _EXISTS
        params += [name, wanted]
    for test in query.slices:
        part, operands = _slice_sql(value, test)
        sql += f" AND {part}"
        params += operands
    direction = "DESC" if query.descending else "ASC"
    order = "i.key" if query.order_by is None else f"i.value {direction}, i.key"
    sql += f" ORDER BY {order} {direction}"
    if query.limit is not None or query.offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if query.limit is None else query.limit, query.offset]
    return sql, params
