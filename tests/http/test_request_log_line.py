"""The request log line written straight to the handler's stream is the line ``logging``
would write, in both formats; with any other handler in the way ``logging`` writes it."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from mock_ksef.log_setup import REQUEST_LOGGER, RequestLineHandler, configure_logging
from mock_ksef.request_log import install_request_log

TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO mock_ksef.requests "
    r"GET /v2/sessions/x 401 \d+\.\d\d ms session=x scenario=natural$"
)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _configured(log_format: str) -> tuple[RequestLineHandler, io.StringIO]:
    configure_logging(log_format, "info")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, RequestLineHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    return handler, stream


def _one_request(app: Flask) -> None:
    install_request_log(app)
    assert app.test_client().get("/v2/sessions/x").status_code == 401


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if REQUEST_LOGGER in line]


@pytest.mark.usefixtures("restore_logging")
def test_the_direct_text_line_is_the_logging_line(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, stream = _configured("text")
    logger = logging.getLogger(REQUEST_LOGGER)
    records: list[logging.LogRecord] = []
    real_handle = logger.handle

    def handle(record: logging.LogRecord) -> None:
        records.append(record)
        real_handle(record)

    monkeypatch.setattr(logger, "handle", handle)
    _one_request(app)
    assert records == []  # no LogRecord made
    handler.addFilter(lambda record: True)  # a filter: the line goes through logging
    assert app.test_client().get("/v2/sessions/x").status_code == 401
    assert len(records) == 1
    direct, through_logging = _lines(stream)
    assert TEXT_LINE.match(direct), direct
    assert TEXT_LINE.match(through_logging), through_logging
    words, logged_words = direct.split(" "), through_logging.split(" ")
    assert words[2:7] + words[8:] == logged_words[2:7] + logged_words[8:]  # time, duration differ


@pytest.mark.usefixtures("restore_logging")
def test_the_direct_json_line_is_the_logging_line(app: Flask) -> None:
    handler, stream = _configured("json")
    _one_request(app)
    handler.addFilter(lambda record: True)
    assert app.test_client().get("/v2/sessions/x").status_code == 401
    direct, through_logging = (json.loads(line) for line in stream.getvalue().splitlines())
    for entry in (direct, through_logging):
        assert set(entry) == {
            "time",
            "level",
            "logger",
            "message",
            "method",
            "path",
            "status",
            "duration_ms",
            "session",
            "scenario",
            "context",
        }
        assert {k: entry[k] for k in ("level", "logger", "method", "path", "status")} == {
            "level": "info",
            "logger": REQUEST_LOGGER,
            "method": "GET",
            "path": "/v2/sessions/x",
            "status": 401,
        }
        assert re.fullmatch(
            r"GET /v2/sessions/x 401 \d+\.\d\d ms session=x scenario=natural", entry["message"]
        )
        assert (entry["session"], entry["scenario"], entry["context"]) == ("x", "natural", None)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
    assert list(direct) == list(through_logging)  # the same keys in the same order


@pytest.mark.usefixtures("restore_logging")
def test_another_handler_gets_the_record(app: Flask) -> None:
    """A handler added beside the mock's (pytest's caplog, an embedding app's) sees every
    request line: the shortcut only applies when the mock's handler is the only one."""
    _, stream = _configured("text")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logging.getLogger().addHandler(Keep())
    _one_request(app)
    assert [r.name for r in records] == [REQUEST_LOGGER]
    assert records[0].request["status"] == 401  # type: ignore[attr-defined]
    assert len(_lines(stream)) == 1


@pytest.mark.usefixtures("restore_logging")
def test_a_level_above_info_writes_no_line(app: Flask) -> None:
    handler, stream = _configured("text")
    handler.setLevel(logging.WARNING)
    _one_request(app)
    assert _lines(stream) == []
