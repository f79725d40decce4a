"""How to run one server: one frozen, checked configuration, in the style of uvicorn's.

:func:`~simulator.live.serve` turns its arguments into a :class:`ServerConfig`; the
threads that run a server in this process, the subprocess runner and the child process
all read the same object. It is checked where it is made, with the validators the
simulator's descriptions use, so a bad value fails in the cell that typed it. Change
one with :func:`dataclasses.replace` (which checks again). A child process receives it
as command-line arguments and reads it back with :meth:`ServerConfig.from_argv`, the
one inverse of :meth:`ServerConfig.to_argv`:

>>> cfg = ServerConfig(interface="wsgi", threads=4)
>>> cfg.server, cfg.name, cfg.lanes
('waitress', 'waitress', 4)
>>> ServerConfig.from_argv(cfg.to_argv()) == cfg
True
>>> ServerConfig(interface="asgi", threads=4)      # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: serve(threads=4): threads applies to WSGI servers. ...
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
from dataclasses import dataclass
from typing import Any

from ...model._check import check_choice, check_int, check_number, check_optional_int

SERVERS = ("waitress", "wsgiref", "uvicorn", "gunicorn")
INTERFACES = ("wsgi", "asgi")
MAX_THREADS = 256
MAX_PROCESSES = 16
MAX_BACKLOG = 65_535
MAX_START_TIMEOUT_S = 60.0
LOOPS = ("auto", "uvloop", "asyncio")
SERVES = {"waitress": ("wsgi",), "wsgiref": ("wsgi",), "uvicorn": ("asgi",),
          "gunicorn": ("wsgi", "asgi")}
_OWN = "serve"


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """What to run, checked and complete (defaults filled in).

    Parameters
    ----------
    interface:
        ``"wsgi"`` or ``"asgi"``.
    server:
        ``"waitress"``, ``"wsgiref"``, ``"uvicorn"`` or ``"gunicorn"``; ``""`` picks the
        usual one: uvicorn for ASGI (gunicorn for a factory in several processes, which
        uvicorn ``--workers`` cannot call), gunicorn for WSGI in several processes,
        waitress otherwise.
    import_string:
        ``"module:attribute"`` when the app runs in another process (a subprocess
        imports it by name); ``None`` for an app object run in this process.
    threads:
        Worker threads per process of a WSGI server (1-256).
    processes:
        Worker processes (1-16); more than one needs an import string.
    port:
        0 (a free port) or 1024-65535. Once bound, the real port.
    backlog:
        Listen backlog: connections the kernel queues before the server accepts them.
    limit_concurrency:
        uvicorn only: most requests in flight; beyond it, 503.
    loop:
        uvicorn only: its event loop, as ``uvicorn --loop`` names it: ``"auto"`` (uvloop
        when it is installed, else asyncio's own), ``"uvloop"`` or ``"asyncio"``.
    start_timeout_s:
        Seconds to wait for the server to answer before giving up (0-60].
    name:
        Registry name (``""``: the server's kind).
    app_label:
        What the app is called in messages and ``repr``.
    quiet:
        Do not echo a subprocess server's output into the notebook.
    """

    interface: str
    server: str = ""
    import_string: str | None = None
    threads: int = 1
    processes: int = 1
    port: int = 0
    backlog: int = 2048
    limit_concurrency: int | None = None
    loop: str = "auto"
    start_timeout_s: float = 5.0
    name: str = ""
    app_label: str = ""
    quiet: bool = False

    def __post_init__(self) -> None:
        check_choice(_OWN, "interface", self.interface, INTERFACES)
        if self.interface == "asgi" and self.threads != 1:
            raise ValueError(
                f"serve(threads={self.threads!r}): threads applies to WSGI servers. An ASGI "
                "server runs one event loop per process; drop threads, or use processes=N "
                "with an import string for more loops.")
        check_int(_OWN, "processes", self.processes, low=1, high=MAX_PROCESSES,
                  hint="Try processes=2 (this machine's cores are a good limit).")
        if self.server == "":
            object.__setattr__(self, "server", self._default_server())
        server = check_choice(_OWN, "server", self.server, SERVERS)
        if self.interface not in SERVES[server]:
            raise ValueError(
                f"serve(server={server!r}, interface={self.interface!r}): {server} serves "
                f"{' and '.join(SERVES[server]).upper()} applications only.")
        check_int(_OWN, "threads", self.threads, low=1, high=MAX_THREADS, hint="Try threads=4.")
        self._check_fits(server)
        if self.port != 0:
            check_int(_OWN, "port", self.port, low=1024, high=65535,
                      hint="Use port=0 to let the system pick a free port.")
        check_int(_OWN, "backlog", self.backlog, low=1, high=MAX_BACKLOG, hint="Try backlog=2048.")
        check_optional_int(_OWN, "limit_concurrency", self.limit_concurrency, low=1,
                           high=100_000, hint="Try limit_concurrency=32.")
        check_choice(_OWN, "loop", self.loop, LOOPS)
        check_number(_OWN, "start_timeout_s", self.start_timeout_s, low=0, low_open=True,
                     high=MAX_START_TIMEOUT_S, hint="Try start_timeout_s=10.")
        if self.name == "":
            object.__setattr__(self, "name", server)
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"serve(name={self.name!r}): name must be a non-empty string.")

    def _default_server(self) -> str:
        if self.interface == "asgi":
            factory = self.import_string is not None and "(" in self.import_string
            return "gunicorn" if self.processes > 1 and factory else "uvicorn"
        return "gunicorn" if self.processes > 1 else "waitress"

    def _check_fits(self, server: str) -> None:
        """The combinations that each value allows alone but not together."""
        if server == "wsgiref" and self.threads != 1:
            raise ValueError(f"serve(server='wsgiref', threads={self.threads}): wsgiref has "
                             "exactly one lane; use server='waitress' for several threads.")
        if self.processes > 1 and server in ("waitress", "wsgiref"):
            raise ValueError(
                f"serve(server={server!r}, processes={self.processes}): {server} runs one "
                "process; use server='gunicorn' for several worker processes.")
        if (self.processes > 1 or server == "gunicorn") and self.import_string is None:
            raise ValueError(
                f"serve(server={server!r}, processes={self.processes}): worker processes "
                "import the app themselves, so give an import string, e.g. "
                "'simulator.live.apps:wsgi_app' or 'simulator.live.apps:asgi_app'.")
        if server == "uvicorn" and self.processes > 1 and "(" in (self.import_string or ""):
            raise ValueError(
                f"serve(app={self.import_string!r}, processes={self.processes}): uvicorn "
                "--workers cannot call a factory; name a module-level app "
                "('simulator.live.apps:asgi_app') and put the parameters in the query string "
                "(?io_ms=50), or use server='gunicorn'.")
        if self.limit_concurrency is not None and server != "uvicorn":
            raise ValueError(f"serve(limit_concurrency={self.limit_concurrency}): only "
                             "uvicorn has a concurrency limit; use server='uvicorn'.")
        if self.loop != "auto":
            if server != "uvicorn":
                raise ValueError(f"serve(loop={self.loop!r}): only uvicorn lets you pick its "
                                 "event loop; use server='uvicorn', or leave loop out.")
            if self.loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
                raise ValueError("serve(loop='uvloop'): uvloop is not installed here; use "
                                 "loop='asyncio' or 'auto', or pip install uvloop.")

    # -- derived ----------------------------------------------------------------------
    @property
    def in_process(self) -> bool:
        """Whether the server runs in this process (an app object, not an import string)."""
        return self.import_string is None

    @property
    def lanes(self) -> int:
        """Requests that can run at once without waiting for each other's CPU: WSGI
        threads x processes (an ASGI server: its loops)."""
        return self.threads * self.processes

    def describe(self) -> str:
        """A label for tables and legends, e.g. ``"waitress 1x4"``, ``"uvicorn 2 loops"`` or
        ``"uvicorn 1 asyncio loop"`` (a loop picked by name)."""
        if self.interface == "asgi":
            loops = "loop" if self.processes == 1 else "loops"
            kind = "" if self.loop == "auto" else f" {self.loop}"
            return f"{self.server} {self.processes}{kind} {loops}"
        return f"{self.server} {self.processes}x{self.threads}"

    # -- to a child process and back --------------------------------------------------
    def to_argv(self) -> list[str]:
        """The configuration as command-line arguments (``--threads 4 ...``)."""
        argv: list[str] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            flag = "--" + f.name.replace("_", "-")
            if isinstance(value, bool):
                argv += [flag] if value else []
            elif value is not None:
                argv += [flag, str(value)]
        return argv

    @classmethod
    def from_argv(cls, argv: list[str]) -> ServerConfig:
        """Read back what :meth:`to_argv` wrote (and check it again)."""
        parser = argparse.ArgumentParser(prog="ServerConfig", add_help=False)
        for f in dataclasses.fields(cls):
            flag = "--" + f.name.replace("_", "-")
            if f.type in ("bool", bool):
                parser.add_argument(flag, dest=f.name, action="store_true")
            else:
                parser.add_argument(flag, dest=f.name, type=_parser_of(str(f.type)),
                                    default=None)
        values = {k: v for k, v in vars(parser.parse_args(argv)).items() if v is not None}
        return cls(**values)


def _parser_of(annotation: str) -> Any:
    """The converter for a field's type as written (``"int | None"`` -> ``int``)."""
    head = annotation.split("|", maxsplit=1)[0].strip()
    return {"int": int, "float": float}.get(head, str)
