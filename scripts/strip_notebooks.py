#!/usr/bin/env python3
"""Strip notebooks for git: no outputs, no execution counts, no saved widget state.

    python scripts/strip_notebooks.py                  # strip notebooks/ and apps/ in place
    python scripts/strip_notebooks.py --check          # only report; exit 1 if any needs it
    python scripts/strip_notebooks.py --slides         # also fix the cells' slide metadata

Notebooks are committed without outputs (what a learner sees is what their kernel makes),
and every cell carries ``"slideshow": {"slide_type": ...}`` so the lecturer's deck knows
where slides start. A cell that continues the current slide has ``"slide_type": ""``: that
is what JupyterLab's property inspector writes when you pick "-". The classic Notebook's
literal ``"-"`` means the same to nbconvert and RISE, but jupyterlab-slideshow (the deck
the course is presented with) does not know it and *hides* such cells.

``--slides`` turns ``"-"`` into ``""`` and fills in missing entries: a markdown cell that
opens with a heading starts a new ``slide``, every other cell continues the slide.
Cell ids and all other metadata are kept, so a stripped notebook diffs cleanly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRS = ("notebooks", "apps")
# Cell metadata that only records a past run (timings, collapsed/scrolled view state).
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
VOLATILE_NOTEBOOK_METADATA = ("widgets", "signature", "toc-autonumbering", "varInspector")


CONTINUE = ""  # JupyterLab's "-": continue the current slide


def _slide_type(cell: nbformat.NotebookNode) -> str:
    src = cell.source.lstrip()
    heading = cell.cell_type == "markdown" and src.startswith(("# ", "## "))
    return "slide" if heading else CONTINUE


def strip(nb: nbformat.NotebookNode, *, slides: bool = False) -> list[str]:
    """Strip ``nb`` in place; return what was changed, one short line per kind of change."""
    changes: set[str] = set()
    for key in VOLATILE_NOTEBOOK_METADATA:
        if nb.metadata.pop(key, None) is not None:
            changes.add(f"notebook metadata {key!r}")
    # A kernel fills in its version and lexer when it runs; keep only the language's name.
    info = nb.metadata.get("language_info")
    if info and set(info) - {"name"}:
        nb.metadata["language_info"] = {"name": info.get("name", "python")}
        changes.add("language_info details")
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.get("outputs"):
                cell.outputs = []
                changes.add("outputs")
            if cell.get("execution_count") is not None:
                cell.execution_count = None
                changes.add("execution counts")
        elif "attachments" in cell and not cell.attachments:
            del cell["attachments"]
        for key in VOLATILE_CELL_METADATA:
            if cell.metadata.pop(key, None) is not None:
                changes.add(f"cell metadata {key!r}")
        if not slides:
            continue
        show = cell.metadata.setdefault("slideshow", {})
        if show.get("slide_type") == "-":
            show["slide_type"] = CONTINUE
            changes.add('slide_type "-" -> ""')
        elif "slide_type" not in show:
            show["slide_type"] = _slide_type(cell)
            changes.add("slide metadata added")
    return sorted(changes)


def _targets(paths: list[str]) -> list[Path]:
    if not paths:
        paths = [str(ROOT / d) for d in DEFAULT_DIRS]
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(p.glob("*.ipynb")))
        elif p.suffix == ".ipynb":
            found.append(p)
        else:
            sys.exit(f"not a notebook or a folder of notebooks: {p}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/ apps/)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    parser.add_argument("--slides", action="store_true", help="fix and add slide metadata")
    args = parser.parse_args(argv)
    dirty = 0
    for path in _targets(args.paths):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        changes = strip(nb, slides=args.slides)
        if not changes:
            continue
        dirty += 1
        print(f"{'needs stripping' if args.check else 'stripped'}: {path} ({', '.join(changes)})")
        if not args.check:
            nbformat.write(nb, path)
    if args.check and dirty:
        print(f"{dirty} notebook(s) need stripping: python scripts/strip_notebooks.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
