"""Binder: the environment that repo2docker builds from ``binder/``.

Binder runs repo2docker on the repository. Because ``binder/`` exists, repo2docker reads only
the files in it and ignores the top-level ``requirements.txt`` and ``pyproject.toml``; so
``binder/requirements.txt`` pulls both in (``-r ../requirements.txt`` is read relative to the
file, ``-e .`` relative to the working directory, which repo2docker sets to the repository).
These tests render the Dockerfile without building it (no Docker needed) and ask pip to
resolve the requirements without installing anything.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
BINDER_REQS = BINDER / "requirements.txt"
PYTHON = "3.11"


def _requirement_names(path: Path) -> set[str]:
    """Project names listed in a requirements file (options and nested files left out)."""
    names = set()
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name = re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]
        names.add(_normalise(name))
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_runtime_pins_the_intended_python() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == f"python-{PYTHON}"


def test_binder_requirements_install_the_course_and_the_package() -> None:
    lines = [ln.split("#", 1)[0].strip() for ln in BINDER_REQS.read_text().splitlines()]
    assert "-r ../requirements.txt" in lines, "Binder must install the course's requirements.txt"
    assert "-e ." in lines, "Binder must install the simulator package from the repository"
    assert {"voila", "jupyterlab-slideshow"} <= _requirement_names(BINDER_REQS)


def _repo2docker() -> list[str]:
    exe = shutil.which("jupyter-repo2docker", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("jupyter-repo2docker is not installed: pip install -r requirements-dev.txt")
    return [exe]


@pytest.mark.slow
def test_repo2docker_renders_a_python_311_image() -> None:
    # --no-build renders the Dockerfile without Docker; uid 1000 is what Binder uses.
    proc = subprocess.run(
        [*_repo2docker(), "--no-build", "--user-id", "1000", "--user-name", "jovyan", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    dockerfile, log = proc.stdout, proc.stderr
    assert f"Building conda environment for python={PYTHON}" in log, log[-3000:]
    # The conda lock file for that Python is copied in (repo2docker escapes "." and "-").
    lock = f"environment.py-{PYTHON}-linux-64.lock".replace("-", "-2d").replace(".", "-2e")
    assert lock in dockerfile
    # The requirements are installed after the repository is copied in (they refer to it).
    copy_all = dockerfile.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    install = dockerfile.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    assert copy_all < install
    assert "WORKDIR ${REPO_DIR}" in dockerfile


def test_repo2docker_detects_python_from_binder_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    buildpacks = pytest.importorskip("repo2docker.buildpacks")
    monkeypatch.chdir(ROOT)
    bp = buildpacks.PythonBuildPack(base_image="docker.io/library/buildpack-deps:24.04")
    assert bp.detect()
    assert bp.binder_dir == "binder"
    assert bp.python_version == PYTHON
    # With a binder/ folder, pyproject.toml is not installed automatically: "-e ." does it.
    assert not bp._is_python_package()


@pytest.mark.slow
def test_binder_requirements_resolve(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--disable-pip-version-check",
            "--quiet",
            "--report",
            str(report),
            "-r",
            "binder/requirements.txt",
        ],
        cwd=ROOT,  # as in the image: repo2docker runs pip from the repository's root
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(report.read_text())
    assert data["environment"]["python_version"] == PYTHON
    resolved = {_normalise(item["metadata"]["name"]) for item in data["install"]}
    wanted = _requirement_names(ROOT / "requirements.txt") | _requirement_names(BINDER_REQS)
    assert wanted <= resolved, f"not resolved: {sorted(wanted - resolved)}"
    assert "asgi-wsgi-course" in resolved
