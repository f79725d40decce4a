"""The two interfaces in a few lines of types, as Starlette spells them.

A **WSGI** application is a plain function: the server calls it once per request, in
one of its threads, with the request as a dictionary (``environ``) and a function to
start the response; the call returns the body. The thread is taken until it returns.

An **ASGI** application is a coroutine function: the server awaits it once per
connection with a ``scope`` dictionary and two channels, ``receive`` and ``send``,
for messages. While it awaits I/O, the event loop serves other connections.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Headers = list[tuple[str, str]]
