"""The import rules of docs/architecture.md, checked on every module of the package.

Imports flow one way: the model (descriptions) at the bottom, the engine and the results
on it, the views on top; the live lab is a sibling of the engine, in two rooms (serving,
load) that never import each other. A rule broken here is a layer leaking into another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulator"

# (importer, what it must not import): dotted module names, each standing for itself and
# everything under it; a trailing "*" makes it a plain prefix ("simulator.des._*": every
# private module of the engine).
FORBIDDEN = [
    ("simulator.model", "simulator.des"),
    ("simulator.model", "simulator.results"),
    ("simulator.model", "simulator.views"),
    ("simulator.model", "simulator.live"),
    ("simulator.model", "simulator.course"),
    ("simulator.model", "simpy"),
    ("simulator.model", "matplotlib"),
    ("simulator.model", "ipywidgets"),
    ("simulator.des", "simulator.views"),
    ("simulator.des", "simulator.live"),
    ("simulator.des", "simulator.course"),
    ("simulator.results", "simulator.des"),
    ("simulator.results", "simulator.views"),
    ("simulator.results", "simulator.live"),
    ("simulator.metrics", "simulator.des"),
    ("simulator.theory", "simulator.des"),
    ("simulator.views", "simpy"),
    ("simulator.views", "simulator.des._*"),  # only the public simulate(), not its insides
    ("simulator.views", "simulator.des.engine"),
    ("simulator.live", "simulator.views"),
    ("simulator.live", "simulator.des"),
    ("simulator.live", "simulator.course"),
    ("simulator.live", "matplotlib"),
    ("simulator.live.serving", "simulator.live.load"),
    ("simulator.live.load", "simulator.live.serving"),
    ("simulator.live.serving", "simulator.live.apps"),
    ("simulator.live.load", "simulator.live.apps"),
    ("simulator.course", "simulator.des"),
    ("simulator.course", "simulator.live"),
    # production: replications and the planner sit on the engine, beside the views
    ("simulator.replicate", "simulator.views"),
    ("simulator.replicate", "simulator.live"),
    ("simulator.replicate", "simulator.course"),
    ("simulator.replicate", "simulator.planner"),
    ("simulator.planner", "simulator.views"),
    ("simulator.planner", "simulator.live"),
    ("simulator.planner", "simulator.course"),
    *((low, high) for low in ("simulator.model", "simulator.des", "simulator.results",
                              "simulator.metrics", "simulator.theory", "simulator.live",
                              "simulator.course")
      for high in ("simulator.replicate", "simulator.planner")),
    ("simulator.live.serving", "simulator.live.pooled"),
    ("simulator.live.load", "simulator.live.pooled"),
    # the capacity questions sit on the engine and the planner, below the views
    ("simulator.capacity", "simulator.views"),
    ("simulator.capacity", "simulator.live"),
    ("simulator.capacity", "simulator.course"),
    *((low, "simulator.capacity") for low in ("simulator.model", "simulator.des",
                                              "simulator.results", "simulator.live",
                                              "simulator.planner", "simulator.replicate")),
]
# Imports made inside a function on purpose, and why (each is an exception to a rule).
ALLOWED = {
    ("simulator.views._live", "simulator.live"):
        "the 'run it for real' button starts the live lab only when pressed",
    ("simulator.views.playground", "simulator.live"):
        "the playground's 'run it for real' button starts the live lab only when pressed",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved to absolute names."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            # "from . import apps" imports the submodule simulator.live.apps
            found |= {f"{mod}.{a.name}" for a in node.names}
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def _matches(module: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return module.startswith(pattern[:-1])
    return module == pattern or module.startswith(pattern + ".")


def _hits(importer: str, imported: set[str], rule: tuple[str, str]) -> list[str]:
    src, dst = rule
    if not _matches(importer, src) or (importer, dst) in ALLOWED:
        return []
    return sorted(m for m in imported if _matches(m, dst))


@pytest.mark.parametrize("path", MODULES, ids=_module_name)
def test_no_module_imports_across_a_layer(path):
    name = _module_name(path)
    imported = _imports(path)
    broken = {f"{src} -> {dst}": hits for src, dst in FORBIDDEN
              if (hits := _hits(name, imported, (src, dst)))}
    assert not broken, f"{name} breaks the import rules of docs/architecture.md: {broken}"


def test_the_rules_catch_a_broken_import():
    # The checker itself: a serving module that imports the load room is caught.
    fake = ROOT / "simulator" / "live" / "serving" / "_fake.py"
    imported = {"simulator.live.load", "simulator.live.load.loadgen"}
    assert _hits(_module_name(fake), imported, ("simulator.live.serving",
                                                "simulator.live.load"))
    assert not _hits("simulator.views.lanes", {"simulator.model"},
                     ("simulator.views", "simpy"))
    assert _hits("simulator.views.lanes", {"simulator.des._host"},
                 ("simulator.views", "simulator.des._*"))
    assert not _hits("simulator.views.lanes", {"simulator.des", "simulator.des.simulate"},
                     ("simulator.views", "simulator.des._*"))


def test_every_package_folder_is_covered_by_a_rule():
    folders = {_module_name(p.parent) for p in MODULES if p.name == "__init__.py"}
    ruled = {src for src, _ in FORBIDDEN}
    uncovered = sorted(f for f in folders if f != "simulator"
                       and not any(_matches(f, r) for r in ruled))
    assert not uncovered, f"add import rules for {uncovered} to this file and the doc"
