"""One table, enough for the ORM lesson: sync ORM calls in sync views, ``a``-prefixed
async ORM calls (``acount``, ``aget``) in async views."""

from __future__ import annotations

from django.db import models


class Item(models.Model):
    """A row to count and fetch."""

    name = models.CharField(max_length=40)
    value = models.IntegerField()

    def __str__(self) -> str:
        return self.name
