"""Logging goes to stderr as JSON Lines, at the configured level, and never to stdout."""

from __future__ import annotations

import json
import logging
import warnings

import pytest

from bot.logging_setup import log_failure, setup_logging

pytestmark = pytest.mark.usefixtures("restore_logging")


def test_records_are_json_lines_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO")
    log = logging.getLogger("bot.test")
    log.info("turn done", extra={"outcome": "ok", "turns": 3})
    log.debug("not at info")
    try:
        raise ValueError("boom")
    except ValueError:
        log.error("failed", exc_info=True)
    out, err = capsys.readouterr()
    assert out == ""
    records = [json.loads(line) for line in err.splitlines()]
    assert [r["msg"] for r in records] == ["turn done", "failed"]
    assert records[0]["level"] == "info" and records[0]["logger"] == "bot.test"
    assert records[0]["outcome"] == "ok" and records[0]["turns"] == 3
    assert "ValueError: boom" in records[1]["exc"]


def test_level_and_repeat_calls(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("WARNING")
    setup_logging("warning")  # idempotent: one handler, so one line per record
    logging.getLogger("x").info("hidden")
    logging.getLogger("x").warning("shown")
    assert [json.loads(line)["msg"] for line in capsys.readouterr().err.splitlines()] == ["shown"]


def test_python_warnings_are_logged_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("WARNING")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("deprecated thing", UserWarning, stacklevel=1)
    out, err = capsys.readouterr()
    assert out == ""
    assert "deprecated thing" in json.loads(err.splitlines()[-1])["msg"]


def test_library_records_never_quote_a_request_below_debug(
        capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO")
    bolt = logging.getLogger("slack_bolt.hygiene_test")
    bolt.info("Invalid request signature detected (signature: v0=1, timestamp: 1, "
              "body: text=private+words)")
    bolt.warning("Unhandled request ({'type': 'event_callback', 'text': 'private words'})")
    try:
        raise ValueError("private words")
    except ValueError:
        logging.getLogger("botbuilder.core").error("failed: private words", exc_info=True)
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [r["msg"] for r in records] == ["Unhandled request", "failed"]
    assert records[1]["error"] == "ValueError" and "exc" not in records[1]
    assert "private" not in json.dumps(records)


def test_library_records_are_whole_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG")
    logging.getLogger("slack_bolt.hygiene_test").info("Invalid request signature (body: x=1)")
    (record,) = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert record["msg"] == "Invalid request signature (body: x=1)"


class _Count:
    def __init__(self) -> None:
        self.value = 0

    def inc(self) -> None:
        self.value += 1


def test_a_failure_is_logged_by_type_never_by_its_text(
        capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO")
    log = logging.getLogger("bot.test")
    count = _Count()
    words = "private words"
    try:
        raise ValueError(words)  # the frames show this line, never the value
    except ValueError as error:
        log_failure(log, "step failed", error, metric=count, conversation="ab12")
        log_failure(log, "store down", error, expected=True, conversation="ab12")
    fault, expected = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert (fault["level"], fault["msg"], fault["error"]) == ("error", "step failed",
                                                             "ValueError")
    assert "test_logging_setup.py" in fault["trace"] and fault["conversation"] == "ab12"
    assert (expected["level"], expected["error"]) == ("warning", "ValueError")
    assert "trace" not in expected and "exc" not in expected
    assert "private" not in json.dumps([fault, expected])
    assert count.value == 1
