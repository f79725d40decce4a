"""Peak kernel memory while the course runs: every notebook, each in a fresh kernel.

Binder guarantees a user 1 GB of memory (more is allowed, never promised). This script runs
each notebook of the course (notebooks/, then the Voila app in apps/) top to bottom with
nbclient, one fresh ``python3`` kernel after another, and samples the kernel's resident
memory (RSS) every 50 ms, adding every child process it started (servers run by the live
lab). It prints the peak per notebook and the overall peak, and exits 1 if that is over
the goal. RSS of parent and children added up counts shared pages twice, so the figure
errs high.

    python benchmarks/bench_memory.py                    # notebooks/*.ipynb, apps/*.ipynb
    python benchmarks/bench_memory.py path/to/a.ipynb    # chosen notebooks
    python benchmarks/bench_memory.py --json out.json    # also write the figures as JSON

The notebooks run in a temporary copy of their folder, so no output is written back, and
with ``COURSE_REVEAL_ALL=1``, as in the notebook tests: every experiment's result goes to
its cell at once instead of waiting in a hidden output for a prediction.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 1024.0
SAMPLE_S = 0.05
MB = 1024 * 1024
os.environ.setdefault("COURSE_REVEAL_ALL", "1")  # inherited by every kernel started here


@dataclass
class Result:
    notebook: str
    peak_mb: float
    seconds: float
    error: str | None = None


class RssSampler:
    """Polls a process tree's summed RSS in a thread and keeps the peak (bytes)."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree_rss(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._tree_rss())
            except psutil.NoSuchProcess:
                return
            self._stop.wait(SAMPLE_S)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> int:
        with_last = self.peak
        self._stop.set()
        self._thread.join(timeout=5)
        return max(with_last, self.peak)


def run_notebook(path: Path, timeout_s: int) -> Result:
    """Execute one notebook in a fresh kernel, in a scratch copy of its folder."""
    nb = nbformat.read(path, as_version=4)
    samplers: list[RssSampler] = []
    t0 = time.perf_counter()
    error = None
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, workdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        client = NotebookClient(
            nb,
            timeout=timeout_s,
            kernel_name="python3",
            resources={"metadata": {"path": str(workdir)}},
        )

        def on_start(**_: Any) -> None:
            assert client.km is not None
            pid = getattr(client.km.provisioner, "pid", None)
            if pid is not None:
                samplers.append(RssSampler(pid))
                samplers[-1].start()

        client.on_notebook_start = on_start
        try:
            client.execute()
        except Exception as exc:  # report it and go on with the next notebook
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
        finally:
            peak = samplers[0].stop() if samplers else 0
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return Result(str(rel), peak / MB, time.perf_counter() - t0, error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Peak kernel memory per notebook.")
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="per cell, in seconds")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or [
        *sorted((ROOT / "notebooks").glob("*.ipynb")), *sorted((ROOT / "apps").glob("*.ipynb"))]
    if not paths:
        print("no notebooks in notebooks/: name some, e.g. tests/browser_fixtures/*.ipynb")
        return 2
    results = []
    print(f"{'notebook':<48} {'peak RSS':>10} {'time':>8}")
    for path in paths:
        res = run_notebook(path, args.timeout)
        results.append(res)
        note = f"  FAILED {res.error}" if res.error else ""
        print(f"{res.notebook:<48} {res.peak_mb:>7.0f} MB {res.seconds:>6.1f} s{note}", flush=True)
    overall = max(r.peak_mb for r in results)
    verdict = "within" if overall < GOAL_MB else "OVER"
    print(f"{'overall peak':<48} {overall:>7.0f} MB   ({verdict} the {GOAL_MB:.0f} MB goal)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload: dict[str, Any] = {"goal_mb": GOAL_MB, "overall_peak_mb": overall}
        payload["notebooks"] = [asdict(r) for r in results]
        args.json.write_text(json.dumps(payload, indent=2))
    failed = [r for r in results if r.error]
    return 1 if overall >= GOAL_MB or failed else 0


if __name__ == "__main__":
    sys.exit(main())
