"""HTTP-level behaviour of scenarios: scripted faults, the counting rate limiter, the journal.

This package is Flask-facing (it is not part of the pure domain); ``hooks.install`` wires
it into the app.
"""
