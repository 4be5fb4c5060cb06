"""Invoice exports: ``POST /invoices/exports`` and ``GET /invoices/exports/{ref}``.

Public API (``docs/retrieval.md``, Exports): :func:`~.use_cases.start_export`,
:func:`~.use_cases.export_status`, :func:`~.use_cases.export_part`. The selection is the
metadata query's (:mod:`mock_ksef.domain.retrieval.selection`); packages are built lazily
on the status poll that finishes the export (:mod:`.package`) and kept as store blobs.
"""
