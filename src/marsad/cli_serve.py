"""`marsad serve`: the JSON API (/api, OpenAPI at /docs), exports, TAXII 2.1 and the web interface over one
database, served by uvicorn. Binds 127.0.0.1 unless told otherwise: the API shows TLP:CLEAR items to anyone
who can reach it."""
from __future__ import annotations

import os
import secrets
from typing import Annotated, Optional

import typer

from marsad.cli import DbOpt, _store, err, out

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(db: DbOpt = None,
          host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8765,
          workers: Annotated[int, typer.Option(help="Server processes (SQLite readers run in parallel).", min=1)] = 1,
          log_level: Annotated[str, typer.Option(help="uvicorn log level: critical error warning info debug.")] = "info",
          threads: Annotated[int, typer.Option(
              envvar="MARSAD_API_THREADS", show_envvar=True, min=1,
              help="Requests served at once per process (thread pool). Python runs one at a time, so few "
                   "threads keep SQLite's caches warm: 4 halved p95 under 50 clients (docs/benchmarks.md).")] = 4,
          secret: Annotated[Optional[str], typer.Option(
              envvar="MARSAD_SECRET", show_envvar=True,
              help="Key that signs the web session cookie; default: a random one (sessions end at restart).")] = None,
          ) -> None:
    """Serve the API and the web interface (URL printed at start; stop with Ctrl-C)."""
    import uvicorn

    from marsad.store import Store

    url = db or Store.default_url()
    _store(url).close()  # an unreachable or missing database: one clear line now, not a traceback per request
    # every worker must sign sessions with the same key, and open the same database
    os.environ["MARSAD_SECRET"] = secret or os.environ.get("MARSAD_SECRET") or secrets.token_urlsafe(32)
    os.environ["MARSAD_DB"] = url
    os.environ["MARSAD_API_THREADS"] = str(threads)  # read by create_app's lifespan in every worker
    if host not in LOOPBACK:
        err.print(f"[yellow]note:[/] listening on {host}: anyone who can reach it sees the TLP:CLEAR items")
    shown = f"[{host}]" if ":" in host else host
    out.print(f"marsad serving on http://{shown}:{port}/  (API: http://{shown}:{port}/api, "
              f"OpenAPI: http://{shown}:{port}/docs)", highlight=False)
    uvicorn.run("marsad.cli_serve:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, timeout_keep_alive=30)  # clients that pause between requests keep their connection


def app_from_env():  # noqa: ANN201
    """The app over MARSAD_DB (each uvicorn worker process calls this)."""
    from marsad.api.app import create_app

    return create_app(os.environ.get("MARSAD_DB"))


__all__ = ["serve"]
