"""Benchmarks of mock-ksef (not part of the test suite): ``python -m benchmarks``."""
