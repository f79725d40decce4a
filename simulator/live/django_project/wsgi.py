"""WSGI entry point: ``simulator.live.django_project.wsgi:application``.

For gunicorn or a WSGI server in a subprocess. Set ``LIVELAB_SYNC_MIDDLEWARE=1`` to add
the sync-only middleware.
"""

from __future__ import annotations

from ._setup import application as _application
from ._setup import sync_middleware_from_env

application = _application("wsgi", sync_middleware=sync_middleware_from_env())
