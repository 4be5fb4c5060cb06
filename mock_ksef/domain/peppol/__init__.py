"""Peppol service providers: registered on their first login, listed by ``GET /peppol/query``."""
