"""``python -m benchmarks.inbox_generation``: CPU seconds of ``generate_inbox`` here and on a
base commit, in alternating rounds of one run (so the machine's load hits both alike).

Each measurement is a fresh interpreter that imports the package (this tree's, or the base
commit's ``mock_ksef/`` unpacked with ``git archive`` into a temporary folder), generates
``--count`` invoices of one form (default mix, seed 0, 200 sellers, Jan-Mar 2026, Faker
imported beforehand) and prints ``time.process_time`` of the generation alone, and a
SHA-256 of all the bytes (so a run also shows whether both wrote the same invoices).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Run in the child: generate, then print CPU seconds and the digest of the bytes.
CHILD = """
import hashlib, sys, time
from datetime import UTC, datetime
import faker
from mock_ksef.inbox import Buyer, InboxSpec, generate_inbox
spec = InboxSpec(Buyer("Nip", "5265877635"), int(sys.argv[1]), datetime(2026, 1, 1, tzinfo=UTC),
                 datetime(2026, 4, 1, tzinfo=UTC), form=sys.argv[2])
digest = hashlib.sha256()
started = time.process_time()
for invoice in generate_inbox(spec):
    digest.update(invoice.xml)
print(time.process_time() - started, digest.hexdigest()[:16])
"""


def measure(tree: Path, count: int, form: str) -> tuple[float, str]:
    """CPU seconds and bytes digest of one generation with ``tree``'s ``mock_ksef``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(count), form],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), out[1]


def main(argv: list[str] | None = None) -> None:
    """Alternate base and this tree; print every round and the ratio of the best times."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inbox_generation")
    parser.add_argument("--count", type=int, default=100_000, help="invoices per generation")
    parser.add_argument("--base", default="main", help="commit to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--forms", default="FA (3),FA (2)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.base, "mock_ksef"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        trees = {f"base {args.base}": Path(folder), "this tree": ROOT}
        for form in args.forms.split(","):
            best: dict[str, float] = {}
            for round_ in range(1, args.rounds + 1):
                for name, tree in trees.items():
                    cpu, digest = measure(tree, args.count, form)
                    best[name] = min(best.get(name, cpu), cpu)
                    print(
                        f"{form} {args.count} round {round_} {name:>14}: {cpu:6.2f} s CPU  {digest}"
                    )
            base, here = best.values()
            print(f"{form}: best {here:.2f} s vs {base:.2f} s CPU, {base / here:.1f} x")


if __name__ == "__main__":
    main()
