"""What a live WSGI server answers to a websocket upgrade: a clear 426, not a confusing 200.

The WSGI interface calls the application once per request and expects the body back, so
it has no way to hand a websocket over to the application. Every WSGI server of the live
lab wraps its application in :func:`refuse_upgrades`, and the demo WSGI apps answer the
same on their own (under gunicorn, which does not wrap them).
"""

from __future__ import annotations

from typing import Any

from ._types import Environ, StartResponse, WSGIApp

UPGRADE_REFUSAL = (
    "426 Upgrade Required: this is a WSGI server. WSGI calls the application once per "
    "request and expects the body back, so it cannot keep a websocket open. Serve an "
    "ASGI application (interface='asgi') for websockets.\n"
)


def refuse_upgrades(app: WSGIApp) -> WSGIApp:
    """Wrap a WSGI app so that a websocket upgrade gets a clear 426, not a confusing 200."""

    def wrapped(environ: Environ, start_response: StartResponse) -> Any:
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            body = UPGRADE_REFUSAL.encode()
            start_response("426 Upgrade Required", [("content-type", "text/plain"),
                                                    ("content-length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return wrapped
