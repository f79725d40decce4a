"""Configure Django once per process, make its database, and build its handlers.

A kernel can configure Django only once: settings are global to the process. So
:func:`setup` configures from :mod:`.settings` the first time and afterwards only checks
that the settings are ours. The database (SQLite in a temporary directory) is created
on a worker thread: the kernel's thread runs an event loop, and Django refuses ORM calls
from such a thread (``SynchronousOnlyOperation``).

:func:`application` builds a *new* handler each time, so the sync-only middleware can be
switched on and off between experiments without restarting anything: a handler reads
``MIDDLEWARE`` once, when it is built.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import shutil
import sys
import threading
import traceback
from collections.abc import Sequence
from typing import Any

URLCONF = "simulator.live.django_project.urls"
ITEMS = 100
_LOCK = threading.Lock()
_STATE = {"db_ready": False}
_RECENT: collections.deque[str] = collections.deque(maxlen=50)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is *now* (a notebook replaces it per cell)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class RecentErrors(logging.Handler):
    """Keeps the last 50 errors (message and traceback) for :func:`recent_errors`."""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        _RECENT.append(text)


def recent_errors() -> list[str]:
    """The errors Django logged in this process, most recent last (with tracebacks)."""
    return list(_RECENT)


def sync_middleware_from_env() -> bool:
    """Whether ``LIVELAB_SYNC_MIDDLEWARE`` asks for the sync-only middleware."""
    return os.environ.get("LIVELAB_SYNC_MIDDLEWARE", "").lower() in ("1", "true", "yes")


def setup() -> None:
    """Configure Django from :mod:`.settings` (once) and create the database (once)."""
    import django  # noqa: PLC0415 - Django is imported only when the lesson needs it
    from django.conf import settings  # noqa: PLC0415

    with _LOCK:
        if settings.configured:
            if getattr(settings, "ROOT_URLCONF", None) != URLCONF:
                raise RuntimeError(
                    "Django is already configured in this process for another project "
                    f"(ROOT_URLCONF={settings.ROOT_URLCONF!r}). Settings can be configured "
                    "only once per process: restart the kernel to use the live lab's project.")
        else:
            from . import settings as ours  # noqa: PLC0415

            settings.configure(**{k: getattr(ours, k) for k in dir(ours) if k.isupper()})
            _remove_at_exit(settings.DATABASES["default"]["NAME"])
        django.setup()
        if not _STATE["db_ready"]:
            _off_the_loop(_create_db)
            _STATE["db_ready"] = True


def application(interface: str = "wsgi", *, sync_middleware: bool = False,
                middleware: Sequence[str] = ()) -> Any:
    """A new Django handler: ``interface`` ``"wsgi"`` (WSGIHandler) or ``"asgi"``
    (ASGIHandler), with ``middleware`` between the timing stamp and the view: names
    ``"sync"`` (sync-only) and ``"async"`` (async-only), outermost first.
    ``sync_middleware=True`` is short for ``middleware=("sync",)``."""
    if interface not in ("wsgi", "asgi"):
        raise ValueError(f"application(interface={interface!r}): interface must be 'wsgi' "
                         "or 'asgi'.")
    setup()
    from django.core.handlers.asgi import ASGIHandler  # noqa: PLC0415
    from django.core.handlers.wsgi import WSGIHandler  # noqa: PLC0415

    from .switches import middleware_paths  # noqa: PLC0415

    stack = ("sync", *middleware) if sync_middleware else tuple(middleware)
    cls = WSGIHandler if interface == "wsgi" else ASGIHandler
    return build(cls, interface, middleware_paths(stack))


def build(cls: type, interface: str, extra: list[str]) -> Any:
    """A handler of class ``cls`` with the stamp middleware for ``interface`` first,
    then the middleware paths ``extra``: a handler reads ``MIDDLEWARE`` once, when built."""
    setup()
    from django.test.utils import override_settings  # noqa: PLC0415

    from . import settings as ours  # noqa: PLC0415

    stamp = list(ours.MIDDLEWARE) if interface == "wsgi" else [ours.ASGI_STAMP]
    with override_settings(MIDDLEWARE=stamp + list(extra)):
        return cls()


def _create_db() -> None:
    from django.db import connection, connections  # noqa: PLC0415

    from .models import Item  # noqa: PLC0415

    try:
        if Item._meta.db_table not in connection.introspection.table_names():
            with connection.schema_editor() as editor:
                editor.create_model(Item)
            Item.objects.bulk_create(Item(name=f"item {i}", value=i) for i in range(ITEMS))
    finally:
        connections.close_all()


def _off_the_loop(fn: Any) -> None:
    """Run ``fn`` on a worker thread (no event loop there) and re-raise its error."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=run, name="livelab-django-setup")
    t.start()
    t.join()
    if errors:
        raise errors[0]


def _remove_at_exit(db_path: str) -> None:
    """Delete the temporary database directory at exit (only in the process that made it)."""
    folder = os.path.dirname(db_path)
    if os.environ.get("LIVELAB_DJANGO_DB") or not os.path.basename(folder).startswith(
            "livelab-django-"):
        return
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
