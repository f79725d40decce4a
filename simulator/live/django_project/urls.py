"""URLs of the live lab's Django project (see :mod:`.views` for what each one shows)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index),
    path("sync", views.sync_view),
    path("async", views.async_view),
    path("async_blocking", views.async_blocking_view),
    path("cpu", views.cpu_view),
    path("orm", views.orm_view),
    path("orm_async", views.orm_async_view),
    path("error", views.error_view),
]

handler500 = "simulator.live.django_project.views.server_error"
