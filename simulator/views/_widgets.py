"""Small pieces the planner widget and the playground share: a slider that updates on
release, and a figure rendered to PNG bytes for an ``ipywidgets.Image``."""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure


def slider(cls: Any, value: float, lo: float, hi: float, step: float, text: str, *,
           label_px: int = 120, width_px: int = 320) -> Any:
    """A ``cls`` slider (IntSlider, FloatSlider) that reports a value when released: one
    release, one update, however long the drag."""
    return cls(value=value, min=lo, max=hi, step=step, description=text,
               continuous_update=False, style={"description_width": f"{label_px}px"},
               layout=widgets.Layout(width=f"{width_px}px"))


def png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes, at its own size and dpi."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
