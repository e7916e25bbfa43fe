"""CLI for work across documents and machines: `marsad stories`, `marsad events-grouped`, and the
Dask runner behind `marsad ingest --workers/--scheduler`. Registers its commands on cli.app."""
from __future__ import annotations

import atexit
import json
import sys
from typing import Annotated, Any, Callable, Optional

import typer
from rich.table import Table

from marsad.cli import DbOpt, _store, app, err, out


def dask_runner(workers: Optional[int], scheduler: Optional[str]) -> Callable[..., Any]:
    """An ``ingest_paths`` that runs the pipeline on Dask; the cluster closes when the process ends."""
    from marsad.distributed import DaskUnavailable, PipelineMismatch, dask_client, dask_ingest_paths

    if workers and scheduler:
        raise typer.BadParameter("give --workers (a local cluster) or --scheduler (an existing one), not both",
                                 param_hint="--workers")
    session = dask_client(workers, scheduler)
    try:
        client = session.__enter__()
    except DaskUnavailable as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2)
    closed = []

    def close() -> None:
        if not closed:
            closed.append(True)
            session.__exit__(None, None, None)
    atexit.register(close)  # if the run is interrupted before it returns

    def run(store, paths, **kwargs):  # noqa: ANN001, ANN202
        try:
            return dask_ingest_paths(store, paths, client=client, **kwargs)
        except PipelineMismatch as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2)
        finally:
            close()
    return run


def crossdoc_stats(store) -> dict[str, int]:  # noqa: ANN001
    """Events vs event groups (happenings), articles vs stories, for `marsad stats`."""
    from marsad.crossdoc import repo

    c = repo.counts(store)
    return {k: c[k] for k in ("event_groups", "event_groups_multi_report", "stories", "stories_multi_article")}


@app.command()
def stories(db: DbOpt = None,
            min_size: Annotated[int, typer.Option(min=1, help="Only stories with at least this many articles.")] = 2,
            limit: Annotated[int, typer.Option(min=1, help="Most stories to list.")] = 30,
            rebuild: Annotated[bool, typer.Option("--rebuild", help="Forget all stories and event groups and assign every stored article again (after `marsad reanalyse` or a threshold change).")] = False,
            as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Stories: articles about the same happening, largest first, with their articles."""
    from marsad.crossdoc import repo

    store = _store(db, create=False)
    if rebuild:
        from marsad.crossdoc import CrossDoc

        n = CrossDoc(store).rebuild()
        err.print(f"reassigned {n} documents", highlight=False)
    rows = repo.list_stories(store, min_size=min_size, limit=limit)
    store.close()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    if not rows:
        out.print(f"no story with {min_size} or more articles")
        return
    t = Table("story", "articles", "dates", "title", "outlets", title=f"{len(rows)} stories")
    for r in rows:
        outlets = sorted({d["outlet"] or "?" for d in r["documents"]})
        dates = r["first"] or "?" if r["first"] == r["last"] else f"{r['first']} … {r['last']}"
        t.add_row(str(r["id"]), str(r["size"]), dates, (r["title"] or "")[:70], ", ".join(outlets)[:60])
    out.print(t)


@app.command("events-grouped")
def events_grouped(db: DbOpt = None,
                   type_: Annotated[Optional[str], typer.Option("--type", help="Only this PLOVER type (ASSAULT, PROTEST…).")] = None,
                   min_documents: Annotated[int, typer.Option(min=1, help="Only events reported by at least this many articles.")] = 2,
                   limit: Annotated[int, typer.Option(min=1, help="Most events to list.")] = 30,
                   as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """De-duplicated events: one row per happening with the number of reports and articles behind it."""
    from marsad.crossdoc import repo

    store = _store(db, create=False)
    rows = repo.list_groups(store, min_documents=min_documents, type_=type_, limit=limit)
    c = repo.counts(store)
    store.close()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    err.print(f"{c['events']} event reports in {c['event_groups']} events "
              f"({c['event_groups_multi_report']} reported by more than one article)", highlight=False)
    if not rows:
        out.print(f"no event reported by {min_documents} or more articles")
        return
    t = Table("group", "type", "date", "place", "source", "target", "reports", "articles", "outlets · triggers",
              title=f"{len(rows)} events")
    for r in rows:
        outlets = sorted({x["outlet"] or "?" for x in r["reports"]})
        triggers = sorted({x["trigger"] or "" for x in r["reports"]})
        t.add_row(str(r["id"]), r["type"] + (f" ({r['mode']})" if r["mode"] else ""), r["date"] or "?",
                  r["place"] or r["country"] or "", ", ".join(r["source"] or [])[:40], ", ".join(r["target"] or [])[:40],
                  str(r["n_reports"]), str(r["n_documents"]), (", ".join(outlets) + " · " + "، ".join(triggers))[:70])
    out.print(t)
