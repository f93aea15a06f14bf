"""Logging, set up in one place: JSON Lines on stderr.

stderr, never stdout: `chat --json` promises nothing but reply objects on stdout. A person's
message text is never logged at info level or above (callers pass ids and outcomes, not text).
Libraries are not so careful (Bolt logs a refused request's whole body at info, and an
unhandled one at warning), so below DEBUG their records are cut down: info and lower dropped,
the rest kept to the words before the first quoted detail (`LibraryRedaction`).

A failure is logged once, where it is turned into a friendly reply or a status, by
`log_failure`: the exception's type (and, for a fault, its frames), never its text, which may
quote the input, a request body or a secret.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Protocol

# Attributes every LogRecord has; anything else was passed via `extra=` and is logged as a field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName",
}


# Loggers whose records are our own (they log ids and outcomes, never text) or carry only a
# request line (aiohttp's access log: method, path, status).
_OWN_LOGGERS = ("bot", "dialogs", "knowledge", "benchmarks", "aiohttp.access", "py.warnings")
# Where a library's message starts quoting what it was given: "Unhandled request ({...})",
# "Invalid request signature detected (signature: ..., body: ...)", "Failed: {...}".
_DETAIL = re.compile(r"[({\[:=\n]")
_MAX_LIBRARY_MESSAGE = 120


class Counts(Protocol):
    def inc(self) -> None: ...


def log_failure(log: logging.Logger, what: str, error: BaseException, *,
                expected: bool = False, metric: Counts | None = None,
                **context: object) -> None:
    """Log a failure under the one policy: `what` happened, with ids and outcomes in `context`
    (never a person's text or a request body). A fault (a bug, a library's surprise) is logged
    at ERROR with the exception's type and frames; an `expected` failure (a dependency down or
    refusing, which we know how to answer) at WARNING with its type. Never str(error): a
    validation or API error quotes what it was given. `metric`, when the failure has one, is
    counted here too."""
    if metric is not None:
        metric.inc()
    fields: dict[str, object] = {"error": type(error).__name__, **context}
    if expected:
        log.warning(what, extra=fields)
    else:
        fields["trace"] = "".join(traceback.format_tb(error.__traceback__))
        log.error(what, extra=fields)


class LibraryRedaction(logging.Filter):
    """Below DEBUG, records from libraries lose anything that could quote a request: those
    below WARNING are dropped, the others keep their message up to its first detail (and
    their exception's type and frames, not its text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if any(name == own or name.startswith(own + ".") for own in _OWN_LOGGERS):
            return True
        if record.levelno < logging.WARNING:
            return False
        message = record.getMessage()
        cut = _DETAIL.search(message)
        record.msg = (message[:cut.start()] if cut else message).strip()[:_MAX_LIBRARY_MESSAGE]
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.exc_info = None
            record.exc_text = None
            record.__dict__["error"] = type(error).__name__
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, msg, extra fields, exc (if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str | int = "INFO") -> None:
    """Route all logging to stderr as JSON Lines at `level`. Safe to call more than once."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not (isinstance(numeric, int) and numeric <= logging.DEBUG):
        handler.addFilter(LibraryRedaction())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # warnings.warn(...) goes through logging too, so it lands on stderr as JSON.
    logging.captureWarnings(True)
