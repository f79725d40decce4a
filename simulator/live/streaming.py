"""Streaming bodies, measured at the client: when does each chunk arrive?

Both interfaces can send a body in pieces. A WSGI app returns an *iterable* and the
server sends each item it yields (a generator that yields, sleeps, yields again streams
its body); an ASGI app sends several ``http.response.body`` messages with
``more_body=True`` and a last one without. The difference is what waits in between:
the WSGI generator keeps its server thread for the whole stream, the ASGI coroutine
awaits and holds nothing.

:func:`chunk_arrivals` opens ``clients`` streams at once and records, for each, when
every chunk reached the client. The result is a :class:`~simulator.RunResult` (a record
per stream, from sending the request to the last chunk) with the chunk times, in
seconds since the first request was sent, in ``meta["chunks"]``.
"""

from __future__ import annotations

import threading
import time

from ..model._check import check_int
from ..results import RequestRecord, RunResult


def chunk_arrivals(url: str, clients: int = 1, *, label: str = "") -> RunResult:
    """Open ``clients`` streaming requests to ``url`` at once; when did each chunk arrive?

    A chunk is what one read from the connection returned (a server's separate sends,
    unless the network joined them).
    """
    check_int("chunk_arrivals", "clients", clients, low=1, high=64, hint="Try clients=8.")
    import httpx  # noqa: PLC0415 - the client side only

    t0 = time.monotonic()
    sent = [0.0] * clients
    chunks: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    gate = threading.Barrier(clients)

    def one(i: int) -> None:
        try:
            with httpx.Client(trust_env=False, timeout=60.0) as client:
                gate.wait()
                sent[i] = time.monotonic() - t0
                with client.stream("GET", url) as r:
                    for _ in r.iter_raw():
                        chunks[i].append(time.monotonic() - t0)
        except Exception as e:  # reported below
            errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120.0)
    if errors:
        raise RuntimeError(f"chunk_arrivals({url!r}): a stream failed: {errors[0]}")
    base = min(sent)
    times = tuple(tuple(c - base for c in ch) for ch in chunks)
    records = tuple(RequestRecord(i, sent[i] - base, times[i][0] if times[i] else None,
                                  times[i][-1] if times[i] else sent[i] - base, "ok", None)
                    for i in range(clients))
    return RunResult(records=records, source="live", label=label or url,
                     meta={"chunks": times})
