"""The Flask edge: blueprints that parse requests, call the domain and dump results.

The blueprints are listed and mounted by the composition root, :mod:`mock_ksef.app`.
"""
