"""Reference answers of notebook 08's exercises: how each answer cell starts (its stub),
and the code that replaces it (the answer a learner should reach)."""

from __future__ import annotations

ANSWERS: dict[str, str] = {
    # asyncio's default executor on 8 cores: min(32, 8 + 4) = 12 threads, each 20 req/s
    "my_rate = None": "my_rate = min(32, 8 + 4) / 0.050",
    # loop(async) -> async, sync, sync, async, sync -> view(async): four changes of mode
    "my_switches = None": "my_switches = 4",
}
