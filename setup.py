"""Package layout that pyproject.toml cannot express: the bundled scenario library.

The YAML files live in the top-level ``scenarios/`` folder (easy to find and edit in a
checkout); ``package_dir`` maps that folder onto the package
``mock_ksef.bundled_scenarios``, so wheels, sdists and the Docker image carry them.
Data-only folders such as ``mock_ksef/dashboard/static`` are found as namespace packages
(``find_namespace_packages``), so setuptools does not warn that they are missing from
``packages``. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["mock_ksef", "mock_ksef.*"], exclude=["*.__pycache__"]),
        "mock_ksef.bundled_scenarios",
    ],
    package_dir={"mock_ksef.bundled_scenarios": "scenarios"},
)
