"""Settings of the live lab's Django project: the smallest real project that shows
how Django runs under WSGI (waitress, gunicorn) and under ASGI (uvicorn).

The database is SQLite in a temporary directory of its own (``LIVELAB_DJANGO_DB`` names
another file). ``DEBUG`` is off, as in production, so errors take the production path:
logged by ``django.request`` (here to standard error and to
:func:`~simulator.live.django_project.recent_errors`) and answered by a 500 page that
names the error instead of hiding it.
"""

from __future__ import annotations

import os
import tempfile

SECRET_KEY = "livelab-demo-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ROOT_URLCONF = "simulator.live.django_project.urls"
INSTALLED_APPS = ["simulator.live.django_project"]

# The stamp middleware comes first; application() uses the ASGI one under ASGI, so that
# stamping costs no sync/async switch. The sync-only and async-only middlewares (added
# when asked) show where Django switches between the event loop and a thread.
MIDDLEWARE = ["simulator.live.django_project.middleware.ServerStamp"]
ASGI_STAMP = "simulator.live.django_project.middleware.AsyncServerStamp"
SYNC_MIDDLEWARE = "simulator.live.django_project.middleware.SyncOnly"
ASYNC_MIDDLEWARE = "simulator.live.django_project.middleware.AsyncOnly"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("LIVELAB_DJANGO_DB")
        or os.path.join(tempfile.mkdtemp(prefix="livelab-django-"), "db.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[django] {levelname}: {message}", "style": "{"}},
    "handlers": {
        "stderr": {"class": "simulator.live.django_project._setup.StderrHandler",
                   "formatter": "plain"},
        "recent": {"class": "simulator.live.django_project._setup.RecentErrors"},
    },
    "loggers": {
        "django.request": {"handlers": ["stderr", "recent"], "level": "ERROR",
                           "propagate": False},
    },
}
