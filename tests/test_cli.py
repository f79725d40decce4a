"""The command line, run as a learner would run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulator import theory

EXAMPLE = ["--server", "wsgi", "--threads", "4", "--io-ms", "50", "--rate", "60",
           "--requests", "20000", "--seed", "1"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_example_prints_a_summary_table():
    out = cli(*EXAMPLE)
    assert out.returncode == 0, out.stderr
    assert "WSGI 1x4" in out.stdout
    assert "requests ok     20000" in out.stdout
    line = next(x for x in out.stdout.splitlines() if x.startswith("throughput"))
    assert float(line.split()[1]) == pytest.approx(60, rel=0.02)


def test_json_is_machine_readable_and_matches_the_table():
    doc = json.loads(cli(*EXAMPLE, "--json").stdout)
    s = doc["summary"]
    assert s["completed"] == 20000 and s["failed"] == 0
    # M/M/4 at 60/s with 50 ms mean: mean wait 25.5 ms by Erlang C; 20,000 requests
    # pin the mean to a few per cent, so 10 % is a real check
    assert s["mean_wait_ms"] == pytest.approx(1000 * theory.mmc_mean_wait(4, 60, 20), rel=0.1)
    assert doc["scenario"].startswith("WSGI 1x4")


def test_plot_saves_a_png(tmp_path):
    path = tmp_path / "run.png"
    out = cli("--server", "asgi", "--io-ms", "50", "--users", "16", "--requests", "500",
              "--plot", str(path))
    assert out.returncode == 0, out.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000


def test_help_explains_every_flag_with_units():
    out = cli("--help").stdout
    for flag in ("--io-ms", "--cpu-ms", "--rate", "--users", "--think-ms", "--timeout-s",
                 "--duration-s", "--json", "--plot"):
        assert flag in out
    for unit in ("in ms", "per second", "in seconds"):
        assert unit in out


@pytest.mark.parametrize(("args", "message"), [
    (["--threads", "0", "--io-ms", "5", "--rate", "5"], "threads must be a whole number"),
    (["--server", "asgi", "--threads", "4", "--rate", "5", "--io-ms", "5"], "apply to --server"),
    (["--io-ms", "5"], "exactly one of --rate"),
    (["--io-ms", "-5", "--rate", "5"], "io_ms must be"),
    (["--io-ms", "5", "--rate", "5", "--requests", "5000000"], "requests must be"),
])
def test_bad_input_is_a_clear_error_not_a_traceback(args, message):
    out = cli(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_pool_flag_caps_throughput_at_size_over_io_time():
    doc = json.loads(cli("--server", "asgi", "--io-ms", "50", "--dist", "constant",
                         "--users", "64", "--pool-size", "10", "--requests", "4000",
                         "--warmup-s", "1", "--json").stdout)
    assert doc["summary"]["throughput_rps"] == pytest.approx(200, rel=0.02)
    assert "pools db: 10 shared" in doc["scenario"]


def test_retries_flag_reports_attempts_and_goodput():
    out = cli("--threads", "4", "--io-ms", "50", "--rate", "70", "--timeout-s", "0.3",
              "--retries", "2", "--requests", "4000", "--seed", "1")
    assert out.returncode == 0, out.stderr
    assert "attempts/request" in out.stdout and "goodput" in out.stdout


def test_runs_flag_prints_intervals():
    doc = json.loads(cli(*EXAMPLE[:-4], "--requests", "2000", "--runs", "4", "--warmup-s",
                         "5", "--json").stdout)
    assert doc["runs"] == 4 and doc["level"] == 0.95
    p95 = doc["estimates"]["p95_ms"]
    assert p95["low"] < p95["mean"] < p95["high"]
    text = cli(*EXAMPLE[:-4], "--requests", "2000", "--runs", "3").stdout
    assert "95% confidence interval" in text and "p95_ms" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--io-ms", "5", "--rate", "5", "--runs", "1"], "runs must be a whole number from 2"),
    (["--io-ms", "5", "--rate", "5", "--retries", "2"], "no client timeout is set"),
    (["--io-ms", "5", "--rate", "5", "--pool-size", "0"], "size must be a whole number"),
    (["--io-ms", "5", "--rate", "5", "--pool-per-process"], "--pool-per-process needs"),
])
def test_bad_production_flags_are_clear_errors(args, message):
    out = cli(*args)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
