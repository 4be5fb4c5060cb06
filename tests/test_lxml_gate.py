"""lxml behind one gate: absent from a worker that serves JSON only, and no XML work while
a schema compiles (``mock_ksef/lxml_gate.py``; docs/performance.md, "RSS")."""

from __future__ import annotations

import ast
import http.client
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from ksef_client import KsefClient, KsefClientOptions

from tests.support.auth import login_live
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.process import ServerProcess, clean_env, console_script
from tests.support.sdk import open_fa3, poll_final, send_fa3
from tests.support.spec import spec_dir

PACKAGE = Path(__file__).resolve().parents[1] / "mock_ksef"
GATE = PACKAGE / "lxml_gate.py"
#: New connections tried until both workers have answered (each connection sticks to one).
MAX_CONNECTIONS = 200
#: What a worker maps once it has loaded lxml (libxml2 is linked into it).
ETREE_LIBRARY = "lxml/etree."
FA3_NAMESPACE = "http://crd.gov.pl/wzor/2025/06/25/13775/"


def _type_checking_only(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _lxml_imports(tree: ast.AST) -> list[int]:
    """Lines importing lxml outside ``if TYPE_CHECKING:`` blocks."""
    lines: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        if any(name.split(".")[0] == "lxml" for name in names):
            lines.append(getattr(node, "lineno", 0))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return lines


def test_no_module_but_the_gate_imports_lxml() -> None:
    """Any other import would load libxml2 past the gate (and could parse while an XSD
    compiles): every module takes ``etree`` from ``mock_ksef.lxml_gate``."""
    found = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != GATE and (lines := _lxml_imports(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}
    assert len(_lxml_imports(ast.parse(GATE.read_text(encoding="utf-8")))) == 1  # its own, seen


HAMMER = """
import json, sys, threading, time
from pathlib import Path
from mock_ksef import lxml_gate
from mock_ksef.xml.auth_xsd import AuthSchemas
from mock_ksef.xml.safe import parse_document
from mock_ksef.xml.schemas import SchemaRegistry

spec, valid_path, invalid_path, threads = sys.argv[1:5]
valid, invalid = Path(valid_path).read_bytes(), Path(invalid_path).read_bytes()
registry = SchemaRegistry(Path(spec) / "invoice-schemas")
auth = AuthSchemas(Path(spec) / "auth")
events = []

def warm():
    events.append(("warm-start", time.monotonic_ns(), "lxml" in sys.modules))
    registry.compile_all()
    auth.compile_all()
    events.append(("warm-end", time.monotonic_ns(), len(registry._compiled), len(auth._compiled)))

assert "lxml" not in sys.modules
assert lxml_gate.before_first_use(warm)
barrier = threading.Barrier(int(threads))
results = []

def work(index):
    barrier.wait()
    data = valid if index % 2 else invalid
    for _ in range(5):
        tree = parse_document(data)
        parsed = time.monotonic_ns()
        results.append((index % 2, parsed, registry.validate("FA (3)", tree)))

pool = [threading.Thread(target=work, args=(i,)) for i in range(int(threads))]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
alone = [registry.validate("FA (3)", parse_document(d)) for d in (invalid, valid)]
print(json.dumps({"events": events, "results": results, "alone": alone,
                  "again": lxml_gate.before_first_use(warm), "loaded": lxml_gate.loaded()}))
"""


def test_the_first_xml_use_compiles_every_schema_before_any_thread_parses(
    tmp_path: Path,
) -> None:
    """16 threads released at once parse and validate invoices in a fresh interpreter
    whose schemas compile at the first use of lxml: one thread compiles all of them while
    every other waits at the gate, and every answer equals the one-thread answer."""
    valid = fa3_invoice(NIP, "FV/GATE/1")
    invalid = valid.replace(b"<KodWaluty>PLN</KodWaluty>", b"<KodWaluty>ZZZ</KodWaluty>")
    assert invalid != valid
    (tmp_path / "valid.xml").write_bytes(valid)
    (tmp_path / "invalid.xml").write_bytes(invalid)
    threads = 16
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            HAMMER,
            str(spec_dir()),
            *(str(tmp_path / n) for n in ("valid.xml", "invalid.xml")),
            str(threads),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    (start, _, lxml_before), (end, ended_at, invoice_schemas, auth_schemas) = report["events"]
    assert (start, end, lxml_before) == ("warm-start", "warm-end", True)
    assert (invoice_schemas, auth_schemas) == (5, 2)
    results = report["results"]
    assert len(results) == threads * 5
    assert all(parsed > ended_at for _, parsed, _ in results)  # nothing parsed meanwhile
    invalid_errors, valid_errors = report["alone"]
    assert valid_errors == []
    assert [e.split(" is not an element")[0] for e in invalid_errors] == [
        f"line 2: Element '{{{FA3_NAMESPACE}}}KodWaluty': [facet 'enumeration'] The value 'ZZZ'"
    ]
    assert [errors for kind, _, errors in results if kind == 1] == [valid_errors] * (
        threads // 2 * 5
    )
    assert [errors for kind, _, errors in results if kind == 0] == [invalid_errors] * (
        threads // 2 * 5
    )
    assert (report["again"], report["loaded"]) == (False, True)


def _worker_pid(port: int) -> int:
    """The pid of the worker that answers a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/_mock/health")
        return int(json.loads(conn.getresponse().read())["pid"])
    finally:
        conn.close()


def _maps_lxml(pid: int) -> bool:
    return ETREE_LIBRARY in Path(f"/proc/{pid}/maps").read_text()


def test_a_worker_loads_libxml2_only_when_xml_arrives(tmp_path: Path) -> None:
    """Real gunicorn, 2 workers: a login, a session and status reads leave lxml unloaded in
    both; then invoices sent at once from 8 threads are all accepted (their XSD compiled
    at the first one, behind the gate) and the workers that parsed them map libxml2."""
    argv = [console_script(), "serve", "--port", "0", "--server", "gunicorn", "--workers", "2"]
    argv += ["--state-dir", str(tmp_path / "state")]
    argv += ["--schema-dir", str(spec_dir() / "invoice-schemas")]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        token = login_live(server.url, NIP)
        with KsefClient(KsefClientOptions(base_url=server.url)) as sdk:
            workflow, session = open_fa3(sdk, token)
            ref = session.reference_number
            assert sdk.sessions.get_session_status(ref, access_token=token).status.code == 100
            workers = {_worker_pid(server.port) for _ in range(MAX_CONNECTIONS // 10)}
            for _ in range(MAX_CONNECTIONS):
                if len(workers) == 2:
                    break
                workers.add(_worker_pid(server.port))
            assert len(workers) == 2, f"only worker(s) {workers} answered"
            assert {pid: _maps_lxml(pid) for pid in workers} == dict.fromkeys(workers, False)
            sent: list[Any] = []

            def send(index: int) -> None:
                xml = fa3_invoice(NIP, f"FV/GATE/{index}")
                sent.append(send_fa3(workflow, session, token, xml))

            senders = [threading.Thread(target=send, args=(i,)) for i in range(8)]
            for thread in senders:
                thread.start()
            for thread in senders:
                thread.join()
            assert len(sent) == 8
            workflow.close_session(ref, token)
            state = poll_final(sdk, ref, token)
        loaded = {pid: _maps_lxml(pid) for pid in workers}
        assert server.stop() == 0, server.output()
    assert (state.status.code, state.successful_invoice_count, state.failed_invoice_count) == (
        200,
        8,
        None,  # left out when nothing failed
    )
    assert any(loaded.values()), loaded
    assert "Traceback" not in server.stderr


FAILING_WARMUP = """
import json, logging, sys
from mock_ksef import lxml_gate
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append((record.levelname, record.getMessage(), record.exc_info[0].__name__))
logging.getLogger("mock_ksef").addHandler(Keep())
def broken():
    raise OSError("no such XSD")
assert lxml_gate.before_first_use(broken)
element = lxml_gate.etree.fromstring(b"<a><b>1</b></a>")
print(json.dumps({"records": records, "text": element.findtext("b"), "loaded": lxml_gate.loaded()}))
"""


def test_a_failing_warm_up_is_logged_and_lxml_still_serves() -> None:
    """A schema that cannot compile must not take XML down with it: the error is logged
    (the registry compiles it again, and fails there, where it is used)."""
    run = subprocess.run(
        [sys.executable, "-c", FAILING_WARMUP], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "records": [["ERROR", "a warm-up before the first XML use failed", "OSError"]],
        "text": "1",
        "loaded": True,
    }
