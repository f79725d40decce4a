"""Streams: when each chunk of a streamed body reached its client.

One row per client, a grey line from sending the request to the last chunk, and a dot
for every chunk as it arrived. Five chunks 100 ms apart make five evenly spaced dots;
on a server that cannot start a stream until a thread is free, whole rows shift right.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from ..results import RunResult
from ._common import check_result, get_ax, no_data, title_of
from .style import GREY, LIVE_COLOR


def plot_chunks(res: RunResult, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """Draw every stream of ``res`` (from :func:`simulator.live.streaming.chunk_arrivals`)
    as a row: request sent, then a dot per chunk (ms); return the Axes."""
    res = check_result(res, "plot_chunks")
    ax = get_ax(ax, (12.8, 3.6))
    chunks = res.meta.get("chunks")
    ax.set_title(title if title is not None else title_of(res, "chunks as they arrive"))
    ax.set_xlabel("time since the first request was sent (ms)")
    if not chunks:
        no_data(ax, "no chunk times: measure with chunk_arrivals(...)")
        return ax
    for i, (rec, times) in enumerate(zip(res.records, chunks, strict=True)):
        ax.hlines(i, 1000 * rec.arrival_s, 1000 * rec.end_s, color=GREY, linewidth=1.2)
        ax.plot([1000 * t for t in times], [i] * len(times), "o", color=LIVE_COLOR,
                markersize=5, label="a chunk arrives" if i == 0 else None)
    ax.set_yticks(range(len(chunks)), [f"client {i + 1}" for i in range(len(chunks))])
    ax.set_ylim(len(chunks) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(False, axis="y")
    ax.set_xlim(left=0)
    ax.legend(loc="upper right", fontsize="small")
    return ax
