"""Import strings: naming an application for a server in another process.

A server in a subprocess cannot receive a Python object from the notebook; it imports
the application by name instead, as gunicorn and uvicorn do: ``"package.module:app"``,
an attribute path (``"module:handlers.app"``) or a factory call with literal arguments
(``"simulator.live.apps:sleep_asgi(ms=50)"``).
"""

from __future__ import annotations

import ast
import importlib
import re
from typing import Any

_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(.*\))?$", re.DOTALL)


def check_spec(spec: str) -> None:
    """Raise ValueError unless ``spec`` looks like ``"module:attr"`` or ``"module:f(k=1)"``."""
    if not _SPEC.match(spec):
        raise ValueError(
            f"serve(app={spec!r}): an app given as a string must be an import string "
            "'package.module:attribute', e.g. 'simulator.live.apps:wsgi_app' or "
            "'simulator.live.apps:sleep_asgi(ms=50)'."
        )
    if "(" in spec:
        _parse_call(spec.split(":", 1)[1])


def has_call(spec: str) -> bool:
    """Whether ``spec`` calls a factory (``"module:make_app(...)"``)."""
    return "(" in spec


def load(spec: str) -> Any:
    """Import and return the object ``spec`` names (calling a factory if it says so)."""
    check_spec(spec)
    module_name, target = spec.split(":", 1)
    module = importlib.import_module(module_name)
    if "(" not in target:
        return _walk(module, target)
    func_name, args, kwargs = _parse_call(target)
    return _walk(module, func_name)(*args, **kwargs)


def _walk(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _parse_call(target: str) -> tuple[str, list[Any], dict[str, Any]]:
    try:
        call = ast.parse(target, mode="eval").body
        if not isinstance(call, ast.Call):
            raise ValueError("not a call")
        func = ast.unparse(call.func)
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    except (SyntaxError, ValueError):
        raise ValueError(
            f"serve(app=...:{target!r}): a factory call in an import string may only "
            "pass literal arguments, e.g. 'simulator.live.apps:sleep_wsgi(ms=50)'."
        ) from None
    return func, args, kwargs
