"""Reference solutions of the course's exercises, kept out of the notebooks.

Each entry names the cell a learner fills in (by the start of its stub), the code that
answers it, and the name of the notebook's own self-check. ``tests/test_notebooks.py``
runs every notebook as committed (the stub must be refused), then puts each answer in
place of its stub in the same kernel and reruns the check, which must say it holds.
"""

from __future__ import annotations

from typing import NamedTuple


class Exercise(NamedTuple):
    stub: str  # how the learner's cell starts in the notebook
    answer: str  # the reference solution, a whole cell
    check: str  # the name the notebook's check() gives


PONG = '''\
async def pong(scope, receive, send):
    if scope["type"] != "http":
        return  # lifespan: not needed here
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"pong"})
'''

ANSWERS: dict[str, list[Exercise]] = {
    # one lane, 50 ms per request: 1000 / 50
    "00_start_here": [
        Exercise("my_answer = None", "my_answer = 20", "requests per second of one lane")],
    # Erlang C(5, 60, 20) = 0.236 > 0.2 >= C(6, 60, 20) = 0.099
    "01_wsgi_single_lane_bridge": [
        Exercise("my_threads = None", "my_threads = 6", "threads for P(wait) <= 20 %")],
    "02_asgi_highway": [Exercise("async def pong(", PONG, "pong")],
    # M/M/c p95 response: c=4 206 ms, c=5 160 ms (the floor is 150 ms)
    "03_sync_vs_async_under_load": [
        Exercise("my_threads = None", "my_threads = 5", "threads for p95 < 180 ms")],
    # server>sync, sync>async, async>sync, sync>urls, urls>view (sync), and the close
    "04_django_on_both": [
        Exercise("my_hops = None", "my_hops = 6",
                 "hops of sync, sync, async, sync, sync + a sync view")],
    # 200 pinned + M/M/c for 1 erlang of page views: C(2)=0.33 > 0.2 >= C(3)=0.09
    "05_realtime_websockets": [
        Exercise("my_threads = None", "my_threads = 203",
                 "threads for 200 long-polls + page views")],
    # 4 processes on 2 cores: two requests compute at once, 20 ms each: 2 / 0.020 s
    "06_cpu_bound_and_the_gil": [
        Exercise("my_rate = None", "my_rate = 2 / 0.020", "the CPU-bound ceiling")],
    # the loop accepts all 50 users; the pool's 10 threads each serve 1 / 0.1 s
    "07_under_the_hood": [
        Exercise("my_throughput = None", "my_throughput = 10 / 0.100", "a2wsgi's ceiling")],
    "08_myths_and_pitfalls": [
        # asyncio's default executor on 8 cores: min(32, 8 + 4) = 12 threads, 20 req/s each
        Exercise("my_rate = None", "my_rate = min(32, 8 + 4) / 0.050", "to_thread on 8 cores"),
        # sync, sync | async | sync: two stretches, two hops each, on one loop
        Exercise("my_ceiling = None", "my_ceiling = 1000 / (2.0 + 2 * 2 * 0.5)",
                 "one loop's ceiling with hops")],
    # 2 x 8 + 1 = 17 processes sharing 100 - 3 connections: 97 // 17 = 5 each
    "09_production_and_capacity": [
        Exercise("my_max_size = None", "my_max_size = 5", "pool size per process")],
    # 200/s x 102 ms = 20.4 in progress: one loop holds them all (93 MB); WSGI 1x24 fits too
    "10_playground": [
        Exercise("my_server = None", "my_server = ASGIServer()", "a deployment that fits")],
}
