"""Probe an application: serve it, send it one request, and say what happened.

A learner's first ASGI app often answers nothing (it returns without sending
``http.response.start``), raises, or hangs. The server then complains in its log:
uvicorn says "ASGI callable returned without starting response." on standard error,
in red, far from the code that caused it. :func:`probe` serves the app on 127.0.0.1
(in this process), sends one GET, stops the server, and returns a :class:`Reply` that
holds the server's complaints instead of printing them, so that an exercise check can
turn them into feedback::

    reply = probe(pong)
    reply.expect(200, "pong")     # True, or a sentence saying what went wrong
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from .serving import ServerStartError, serve

# What the servers log an app's mistakes under (uvicorn; waitress; wsgiref prints).
LOGGERS = ("uvicorn.error", "uvicorn", "waitress")
# What uvicorn's complaints mean for the author of the app.
ADVICE = {
    "returned without starting response": "the app returned without sending "
    "http.response.start",
    "Exception in ASGI application": "the app raised an exception (reply.log names it)",
    "Expected ASGI message": "the app sent a message the server did not expect at that "
    "point: first http.response.start, then http.response.body",
}


@dataclass(frozen=True)
class Reply:
    """What one request to an app got back: ``status`` and ``text`` (``None`` and ``""``
    if no answer came), and what the server logged meanwhile (``log``)."""

    status: int | None
    text: str
    log: tuple[str, ...]
    error: str = ""

    def problem(self) -> str:
        """What went wrong, in a sentence ("" if the server answered and said nothing)."""
        if self.error:
            return self.error
        for line in self.log:
            for key, advice in ADVICE.items():
                if key in line:
                    return f"the server said \u201c{line.splitlines()[0]}\u201d: {advice}."
        if self.log:
            return f"the server said \u201c{self.log[0].splitlines()[0]}\u201d."
        return ""

    def expect(self, status: int = 200, text: str | None = None) -> bool | str:
        """``True`` if the reply has ``status`` (and body ``text``, if given); otherwise
        a sentence saying what came back instead (for :func:`simulator.course.check`)."""
        if self.status == status and (text is None or self.text == text):
            return True
        got = ("no answer" if self.status is None
               else f"status {self.status} with body {self.text[:60]!r}")
        wanted = f"status {status}" + (f" with body {text!r}" if text is not None else "")
        why = self.problem()
        return f"expected {wanted}, got {got}" + (f"; {why}" if why else ".")


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f"\n{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.lines.append(text)


@contextlib.contextmanager
def _server_log() -> Iterator[_Keep]:
    """Keep what the servers log (instead of printing it) for the duration."""
    keep = _Keep()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate))
        logger.addHandler(keep)
        logger.propagate = False
    try:
        yield keep
    finally:
        for logger, propagate in saved:
            logger.removeHandler(keep)
            logger.propagate = propagate


def probe(app: Any, path: str = "/", *, interface: str | None = None,
          timeout_s: float = 2.0) -> Reply:
    """Serve ``app`` (uvicorn for ASGI, waitress for WSGI; guessed if not given), send
    one GET to ``path``, stop the server, and return the :class:`Reply`.

    Never raises for a faulty app: a failed start, an exception or no answer within
    ``timeout_s`` seconds is in the reply.
    """
    with _server_log() as keep:
        try:
            with serve(app, interface=interface, name="probe") as srv:
                r = httpx.get(srv.url_for(path), timeout=timeout_s)
            return Reply(r.status_code, r.text, tuple(keep.lines))
        except httpx.TimeoutException:
            return Reply(None, "", tuple(keep.lines),
                         f"no answer within {timeout_s:g} s: does the app await "
                         "send({'type': 'http.response.body', ...}) in the end?")
        except (httpx.HTTPError, ServerStartError, ValueError, TypeError) as err:
            return Reply(None, "", tuple(keep.lines), f"{type(err).__name__}: {err}")
