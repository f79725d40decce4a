#!/usr/bin/env python3
"""Set up the course and run it, with nothing but Python 3.11+.

    python3 tasks.py lab     # set everything up, open the course in JupyterLab
    python3 tasks.py test    # set everything up, run every test (extra args go to pytest)
    python3 tasks.py setup   # only set up (a virtual environment in .venv)

The set-up creates ``.venv`` beside this file, installs ``requirements-dev.txt`` and the
``simulator`` package into it, and remembers what it installed: a second run starts at
once unless a requirements file changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".course-setup"
INPUTS = ("requirements.txt", "requirements-dev.txt", "pyproject.toml")


def _fingerprint() -> str:
    h = hashlib.sha256()
    for name in INPUTS:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def setup() -> None:
    """Create .venv and install the course into it, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - say so plainly on an old Python
        sys.exit(f"This course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == want:
        return
    print("Installing the course's packages (first time: a few minutes) ...", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(ROOT / "requirements-dev.txt"), "-e", str(ROOT)], check=True)
    STAMP.write_text(want)


def lab(args: list[str]) -> int:
    setup()
    start = ROOT / "notebooks" / "00_start_here.ipynb"
    cmd = [str(BIN / "jupyter"), "lab", f"--notebook-dir={ROOT}", *args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI often run as root; JupyterLab refuses
    if start.exists() and not any(not a.startswith("-") for a in args):
        cmd.append(str(start.relative_to(ROOT)))  # open the first notebook, unless told otherwise
    return subprocess.call(cmd, cwd=ROOT)


def test(args: list[str]) -> int:
    setup()
    return subprocess.call([str(PY), "-m", "pytest", *args], cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"lab", "test", "setup"}:
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what == "setup":
        setup()
        return 0
    return lab(rest) if what == "lab" else test(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
