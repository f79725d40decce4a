"""ASGI entry point: ``simulator.live.django_project.asgi:application``.

For uvicorn (or gunicorn with uvicorn workers) in a subprocess. Set
``LIVELAB_SYNC_MIDDLEWARE=1`` to add the sync-only middleware (one thread hop per
request for async views).
"""

from __future__ import annotations

from ._setup import application as _application
from ._setup import sync_middleware_from_env

application = _application("asgi", sync_middleware=sync_middleware_from_env())
