"""The receiving side: who sees which invoice, metadata queries, downloads, the HWM.

Public API (``docs/retrieval.md``):

* :func:`~mock_ksef.domain.retrieval.acceptance.record_received_invoice` - store an
  accepted invoice for retrieval (online/batch acceptance and the inbox generator);
* :func:`~mock_ksef.domain.retrieval.selection.select_invoices` - the ordered selection
  the query and the export share;
* :func:`~mock_ksef.domain.retrieval.use_cases.query_metadata` and
  :func:`~mock_ksef.domain.retrieval.use_cases.download_invoice`.
"""
