"""The services bundle: Faker is built on first use, seeded from the current seed."""

from __future__ import annotations

import subprocess
import sys

from mock_ksef.http.context import services


def test_a_cold_start_does_not_import_faker():
    code = (
        "import sys; from mock_ksef.app import create_app; create_app(seed=1); "
        "print('faker' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_faker_is_seeded_from_the_current_seed(app):
    svc = services(app)
    first = [svc.faker.company() for _ in range(3)]
    assert svc.faker is svc.faker
    svc.reseed(1)  # the settings' seed again: the same sequence from the start
    assert [svc.faker.company() for _ in range(3)] == first
    svc.reseed(2)
    assert [svc.faker.company() for _ in range(3)] != first
