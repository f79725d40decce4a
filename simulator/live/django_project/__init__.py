"""A real Django project for the live lab, served by waitress (WSGI) and uvicorn (ASGI).

>>> from simulator import ClosedLoop
>>> from simulator.live import serve, run_load, django_project
>>> with serve(django_project.application("asgi"), interface="asgi") as srv:
...     res = run_load(srv.url_for("/async", io_ms=20), ClosedLoop(users=8), requests=40,
...                    progress=False)
>>> res.summary().completed, res.lanes
(40, ['p0-loop'])

It has settings, URLs, views (sync, async, async_blocking, CPU and ORM ones; see
:mod:`.views`), ``wsgi.py`` and ``asgi.py``, a switchable sync-only middleware, and an
SQLite database in a temporary directory. In a subprocess use the import strings
``"simulator.live.django_project.wsgi:application"`` or ``...asgi:application``.
"""

from __future__ import annotations

from ._setup import application, recent_errors, setup

WSGI_APP = "simulator.live.django_project.wsgi:application"
ASGI_APP = "simulator.live.django_project.asgi:application"

__all__ = ["ASGI_APP", "WSGI_APP", "application", "recent_errors", "setup"]
