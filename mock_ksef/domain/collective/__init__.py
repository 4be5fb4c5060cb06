"""Collective identifiers (IZ, API 2.7+): one payment reference for invoices of one seller.

``docs/collective-identifiers.md``; ``BRIEF-IZ.md`` for the semantics.
"""
