"""mock-ksef: a deterministic test double of the KSeF 2.0 API."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
