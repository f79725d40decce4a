"""The one warning the live lab gives: a mistake a student can fix, said in words.

Both rooms use it (:mod:`.serving` when an app looks like the other interface, :mod:`.load`
when nothing listens at the address), so it lives beside them.
"""

from __future__ import annotations


class LiveLabWarning(UserWarning):
    """Something a student can fix: a server that is not running, an app served by the
    wrong kind of server."""
