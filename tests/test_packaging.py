"""The package installs whole: what it imports it declares, and Binder's list agrees.

``requirements.txt`` is what Binder installs (the course: JupyterLab and the package's
runtime); ``pyproject.toml`` is what ``pip install .`` installs (the package alone). The
second must be the first without JupyterLab, version for version, and must cover every
third-party module the package imports; a fresh virtual environment proves it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import tomllib
import venv
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
COURSE_ONLY = {"jupyterlab"}  # Binder's, not the package's
OPTIONAL = {"pandas": "RunResult.to_frame() imports it when asked",
            "uvloop": "the load generator's loop when present (uvicorn[standard] brings it "
                      "where it runs; plain asyncio otherwise)"}


def _reqs(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        text = line.split("#")[0].strip()
        if text and not text.startswith("-"):
            r = Requirement(text)
            out[canonicalize_name(r.name)] = f"{sorted(r.extras)}{r.specifier}"
    return out


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _reqs(project["dependencies"])


def test_requirements_and_pyproject_do_not_drift():
    binder = _reqs((ROOT / "requirements.txt").read_text().splitlines())
    package = _declared()
    assert set(binder) - set(package) == COURSE_ONLY
    assert {k: v for k, v in binder.items() if k not in COURSE_ONLY} == package


def _third_party_imports() -> dict[str, str]:
    """Top-level module -> first file importing it, for every absolute import outside
    the standard library in ``simulator/``."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "simulator":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_module_the_package_imports_is_a_declared_dependency():
    declared = set(_declared())
    providers = metadata.packages_distributions()
    missing = {}
    for module, where in _third_party_imports().items():
        dists = {canonicalize_name(d) for d in providers.get(module, [module])}
        # a module may come with a declared package (PIL with pillow, IPython with ipython)
        if not dists & declared and module not in OPTIONAL:
            missing[module] = where
    assert not missing, f"imported but not in pyproject.toml's dependencies: {missing}"


CHECK = textwrap.dedent("""
    import matplotlib
    matplotlib.use("Agg")
    import httpx
    from simulator import Poisson, Scenario, Workload, WSGIServer, simulate
    from simulator.live import apps, serve
    from simulator.views import plot_lanes

    for kw in ({"app": apps.hello_wsgi(), "interface": "wsgi"},
               {"app": apps.hello_asgi(), "interface": "asgi"},
               {"app": "simulator.live.apps:wsgi_app", "interface": "wsgi", "processes": 2},
               {"app": "simulator.live.apps:asgi_app", "interface": "asgi", "processes": 2,
                "server": "gunicorn"}):
        with serve(quiet=True, start_timeout_s=30, **kw) as srv:
            print(srv.describe(), httpx.get(srv.url, trust_env=False).status_code)
    res = simulate(Scenario(server=WSGIServer(threads=2), workload=Workload(io_ms=50),
                            arrivals=Poisson(30), requests=100), trace=True)
    print("drew", plot_lanes(res).get_title())
""")


@pytest.mark.slow
@pytest.mark.live
def test_pip_install_dot_in_an_empty_venv_serves_and_draws(tmp_path):
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(ROOT)], check=True, capture_output=True, timeout=900)
    # run from an empty folder: the installed package, not this checkout, is imported
    out = subprocess.run([str(py), "-c", CHECK], cwd=tmp_path, capture_output=True, check=False,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split("\n")[:5] == [
        "waitress 1x1 200", "uvicorn 1 loop 200", "gunicorn 2x1 200", "gunicorn 2 loops 200",
        "drew WSGI 1x2: lanes"]
    where = subprocess.run([str(py), "-c", "import simulator; print(simulator.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert str(env) in where.stdout
