"""``python -m mock_ksef`` runs the command-line interface."""

from __future__ import annotations

from mock_ksef.cli import main

main()
