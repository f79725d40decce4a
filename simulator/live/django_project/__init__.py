"""A real Django project for the live lab, served by waitress (WSGI) and uvicorn (ASGI).

>>> from simulator.live import serve, django_project                    # doctest: +SKIP
>>> with serve(django_project.application("asgi"), interface="asgi") as srv:
...     run_load(srv.url_for("/async", io_ms=50), ClosedLoop(users=16), requests=200)

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
