"""marsad command line (typer + rich). Thin: parses options, calls jobs/store, prints."""
from __future__ import annotations

if __name__ == "__main__":  # `python -m marsad.cli`: run the real module, whose sub-commands register on import
    from marsad.cli import app as _main_app

    raise SystemExit(_main_app())

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from marsad import PIPELINE_VERSION, __version__

app = typer.Typer(
    help="marsad (مرصد): Arabic news reports in, a sourced, structured knowledge base out.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
# Piped output (make run, CI logs) gets wide tables instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
out = Console(soft_wrap=True, width=_WIDTH)
err = Console(stderr=True, soft_wrap=True, width=_WIDTH)

DbOpt = Annotated[Optional[str], typer.Option(
    "--db", envvar="MARSAD_DB", show_envvar=True,
    help="Database URL (sqlite:///file.db or postgresql+psycopg://user:pass@host/db). Default: sqlite:///./marsad.db")]


def _fail(exc: Exception) -> None:
    """A user's error in one line (sub-commands: entities, orgs, users, keys), exit status 1."""
    err.print(f"[red]error:[/] {exc}")
    raise typer.Exit(1)


def _parse_date(value: Optional[str], option: str) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD", param_hint=option)


def _check_format(fmt: Optional[str], option: str) -> None:
    from marsad.ingest import FORMATS

    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not a format; use one of: {', '.join(FORMATS)}", param_hint=option)


def _store(db: Optional[str], create: bool = False):
    """Open the store; only commands that write (ingest, retry) may create a new database."""
    from sqlalchemy.engine import make_url

    from marsad.store import Store

    url = db or Store.default_url()
    try:
        shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
    except Exception:
        shown = url.split("@")[-1]
    try:
        return Store(url, create=create)
    except Exception as exc:  # a wrong URL, a missing file, an unreachable server: one line
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        err.print(f"[red]error:[/] cannot open the database {shown}: {reason}", highlight=False)
        raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        out.print(f"marsad {__version__} (pipeline {PIPELINE_VERSION})")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    """Run `marsad COMMAND --help` for the options of each command."""


def _sharing(store, *, tlp: str, org: Optional[str], user: Optional[str]):  # noqa: ANN001, ANN202
    """The owner and marking for ingest, checked before anything is read."""
    from marsad.store.access import Sharing, normalize_tlp

    try:
        level = normalize_tlp(tlp)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tlp")
    org_id = created_by = None
    if user:
        info = store.user(user)
        if info is None:
            raise typer.BadParameter(f"no user named {user!r} (add one with `marsad users add`)", param_hint="--user")
        if org and org != info.org:
            raise typer.BadParameter(f"user {user!r} belongs to {info.org!r}, not {org!r}", param_hint="--org")
        org_id, created_by = info.org_id, info.id
    elif org:
        org_id = store.org_id(org, create=True)
    try:
        return Sharing(org_id=org_id, tlp=level, created_by=created_by)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tlp")


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (read recursively); '-' reads standard input.")],
    db: DbOpt = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD for all items (overrides file metadata).")] = None,
    outlet: Annotated[Optional[str], typer.Option(help="Outlet name for all items.")] = None,
    url: Annotated[Optional[str], typer.Option(help="Source URL for all items.")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="Force the input format: txt, html, jsonl or feed (default: by extension and content).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    tlp: Annotated[str, typer.Option(help="TLP marking of the stored documents: CLEAR, GREEN, AMBER, AMBER+STRICT or RED (docs/sharing.md).")] = "CLEAR",
    org: Annotated[Optional[str], typer.Option(help="Owning organisation (made if new); needed for AMBER, AMBER+STRICT and RED (or --user).")] = None,
    user: Annotated[Optional[str], typer.Option(help="Ingesting user (`marsad users add`); their organisation owns the documents.")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Run the pipeline on N local Dask worker processes (docs/scale.md).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="Run the pipeline on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (docs/scale.md).")] = None,
) -> None:
    """Read articles, analyse them and store them. Exits 1 when some items failed (see `marsad failures`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from marsad.ingest import count_sources
    from marsad.jobs import ingest_paths

    pub = _parse_date(published, "--published")
    _check_format(fmt, "--format")
    store = _store(db, create=True)
    sharing = _sharing(store, tlp=tlp, org=org, user=user)
    total = None if "-" in paths else count_sources(paths)
    if workers or scheduler:  # the pipeline on Dask workers; the same storing (cli_scale.dask_runner)
        from marsad.cli_scale import dask_runner
        ingest_paths = dask_runner(workers, scheduler)
    with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err, disable=quiet, transient=True) as progress:
        task = progress.add_task("ingesting", total=total)

        def on_item(key: str, outcome: str) -> None:
            if outcome.startswith("warning:"):
                progress.console.print(f"[yellow]warning[/] {key}: {outcome[8:]}", highlight=False)
                return
            progress.advance(task)
            if outcome.startswith("failed:"):
                progress.console.print(f"[red]failed[/] {key}: {outcome[7:]}", highlight=False)

        counts = ingest_paths(store, paths, published=pub, outlet=outlet, url=url, fmt=fmt,
                              on_item=on_item, command="ingest " + " ".join(paths), sharing=sharing)
    store.close()
    out.print(f"read {counts.read}, stored {counts.stored}, duplicates {counts.duplicates}, "
              f"near-duplicates {counts.near_duplicates} (stored, marked), failed {counts.failed}")
    if counts.failed:
        err.print(f"[yellow]{counts.failed} item(s) failed[/]: listed above and kept in the database "
                  "(`marsad failures`, retry with `marsad failures --retry`)")
        raise typer.Exit(1)


@app.command()
def extract(
    files: Annotated[Optional[list[str]], typer.Argument(help="Files or folders; '-' or nothing reads standard input.")] = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD, the anchor for relative dates.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Output: json (one array) or jsonl (one document per line).")] = "json",
    input_fmt: Annotated[Optional[str], typer.Option("--input", help="Input format: txt, html, jsonl or feed (default: by extension; stdin: txt).")] = None,
) -> None:
    """Analyse articles without storing; print contract-1 JSON (entities, dates, quantities, claims, events)."""
    from marsad.ingest import Failure, read_sources
    from marsad.jobs import extract as run_extract

    if fmt not in ("json", "jsonl"):
        raise typer.BadParameter("use json or jsonl", param_hint="--format")
    pub = _parse_date(published, "--published")
    _check_format(input_fmt, "--input")
    paths = files or ["-"]
    stdin = sys.stdin.buffer if "-" in paths else None
    items = read_sources(paths, published=pub, stdin=stdin, fmt=input_fmt)

    def warned(objs):  # non-fatal problems (a publication date that is not a date) go to stderr
        for obj in objs:
            for w in getattr(obj, "warnings", ()):
                err.print(f"warning {obj.key}: {w}", highlight=False, markup=False)
            yield obj

    failed = 0
    records = []
    for res in run_extract(warned(items)):
        if isinstance(res, Failure):
            failed += 1
            err.print(f"failed {res.key}: {res.reason}", highlight=False, markup=False)
            continue
        rec = res.to_record()
        if fmt == "jsonl":
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            records.append(rec)
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    if failed:
        raise typer.Exit(1)


_TYPE_STYLE = {"PER": "bold cyan", "ORG": "bold magenta", "GPE": "bold green", "LOC": "green",
               "FAC": "yellow", "NORP": "blue", "TITLE": "cyan"}


@app.command()
def show(doc_id: Annotated[str, typer.Argument(help="Document id (see `marsad docs`).")], db: DbOpt = None) -> None:
    """Print a stored article with its entities and dates highlighted, then list them."""
    from rich.text import Text

    store = _store(db)
    doc = store.get_document(doc_id)
    store.close()
    if doc is None:
        err.print(f"[red]error:[/] no document {doc_id!r} in the database (list them with `marsad docs`)")
        raise typer.Exit(1)
    text = Text(doc.text)
    for d in doc.dates:
        text.stylize("bold yellow underline", d.start, d.end)
    for m in doc.mentions:
        text.stylize(_TYPE_STYLE.get(m.type, "bold"), m.start, m.end)
    meta = " · ".join(x for x in [doc.id, doc.outlet or "", str(doc.published or "date unknown"), doc.url or ""] if x)
    out.rule(doc.title or doc.id)
    out.print(meta, style="dim", highlight=False)
    out.print(text)
    if doc.focus:
        f = doc.focus
        out.print(f"focus: {f['canonical']} ({f.get('latin') or ''}, {f.get('country') or '?'}) "
                  f"{f['lat']:.4f}, {f['lon']:.4f} · geo_precision {f['geo_precision']}", highlight=False)
    if doc.mentions:
        t = Table("type", "text", "title", "entity", "canonical · latin", "country", "conf", "link", "place",
                  "offsets", title="entities")
        for m in doc.mentions:
            place = f"{m.lat:.3f},{m.lon:.3f} p{m.geo_precision}" if m.lat is not None else ""
            link = f"{m.link_method} {m.link_confidence:.2f}" if m.link_method else ""
            t.add_row(m.type, m.text, m.title or "", m.entity_id or "",
                      " · ".join(x for x in (m.canonical, m.latin) if x), m.country or "",
                      f"{m.confidence:.2f}", link, place, f"{m.start}-{m.end}")
        out.print(t)
    if doc.dates:
        t = Table("text", "value", "granularity", "kind", "offsets", title="dates")
        for d in doc.dates:
            t.add_row(d.text, d.value or "(unresolved)", d.granularity, d.kind, f"{d.start}-{d.end}")
        out.print(t)
    if doc.claims:
        t = Table("#", "cue", "source", "kind", "via", "what is said", title="claims (who says so)")
        for i, c in enumerate(doc.claims):
            t.add_row(str(i), c.cue, c.source, c.source_kind, c.via or "", doc.text[c.start:c.end][:80])
        out.print(t)
    if doc.events:
        t = Table("type", "trigger", "mode", "source", "target", "where", "dead/injured/size", "claim", "conf",
                  title="events (PLOVER)")
        for e in doc.events:
            where = (e.location or {}).get("text") or (e.location or {}).get("canonical") or ""
            mag = "/".join("" if x is None else f"{x:g}" for x in (e.dead, e.injured, e.size)).strip("/")
            claim = f"#{e.claim} {doc.claims[e.claim].source_kind}" if e.claim is not None and e.claim < len(doc.claims) \
                else "(the text's own statement)"
            t.add_row(e.type, e.trigger, e.mode or "", ", ".join(a["text"] for a in e.source),
                      ", ".join(a["text"] for a in e.target), where, mag, claim, f"{e.confidence:.2f}")
        out.print(t)
    if doc.quantities:
        t = Table("text", "value", "low", "high", "counted", title="quantities")
        for q in doc.quantities:
            t.add_row(q.text, "" if q.value is None else f"{q.value:g}", "" if q.low is None else f"{q.low:g}",
                      "" if q.high is None else f"{q.high:g}", q.unit or "")
        out.print(t)


@app.command()
def search(query: Annotated[str, typer.Argument(help="Words to find (Arabic normalised, clitics ignored).")],
           db: DbOpt = None, limit: Annotated[int, typer.Option(help="Most hits to show.")] = 20,
           as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Full-text search over stored articles."""
    if limit < 1:
        raise typer.BadParameter("must be at least 1", param_hint="--limit")
    store = _store(db)
    hits = store.search(query, limit=limit)
    store.close()
    if as_json:
        out.print_json(json.dumps([h.__dict__ for h in hits], ensure_ascii=False, default=str))
        return
    if not hits:
        out.print("no matches")
        return
    t = Table("id", "title", "snippet")
    for h in hits:
        t.add_row(h.id, h.title or "", h.snippet)
    out.print(t)


@app.command()
def docs(db: DbOpt = None, limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
         offset: Annotated[int, typer.Option(help="Rows to skip.")] = 0) -> None:
    """List stored documents."""
    store = _store(db)
    rows = store.documents(limit=limit, offset=offset)
    store.close()
    t = Table("id", "published", "outlet", "entities", "dates", "duplicate of", "title",
              title=f"{len(rows)} documents")
    t.columns[0].no_wrap = True
    for r in rows:
        t.add_row(r.id, str(r.published or "unknown"), r.outlet or "", str(r.n_mentions), str(r.n_dates),
                  r.duplicate_of or "", (r.title or "")[:50])
    out.print(t)


@app.command()
def failures(db: DbOpt = None,
             retry: Annotated[bool, typer.Option("--retry", help="Read every failed item again and ingest it.")] = False,
             all_: Annotated[bool, typer.Option("--all", help="Include failures that later succeeded.")] = False) -> None:
    """List the items that could not be ingested, with their reasons; --retry tries them again."""
    store = _store(db, create=retry)
    if retry:
        from marsad.jobs import retry_failures

        counts = retry_failures(store, on_item=lambda k, o: o.startswith("failed:") and err.print(
            f"[red]still failing[/] {k}: {o[7:]}", highlight=False))
        store.close()
        out.print(f"retried {counts.read}: stored {counts.stored}, duplicates {counts.duplicates}, failed {counts.failed}")
        raise typer.Exit(1 if counts.failed else 0)
    rows = store.failures(include_resolved=all_)
    store.close()
    if not rows:
        out.print("no failures")
        return
    t = Table("item", "reason", "attempts", "last seen", "resolved")
    for f in rows:
        t.add_row(f.item, f.reason, str(f.attempts), str(f.last_seen)[:19], str(f.resolved_at or "")[:19])
    out.print(t)


@app.command()
def stats(db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts of documents, failures, annotations and runs."""
    store = _store(db)
    s = store.stats()
    from marsad.cli_scale import crossdoc_stats
    s.update(crossdoc_stats(store))  # events vs event groups, articles vs stories
    store.close()
    if as_json:
        sys.stdout.write(json.dumps(s, ensure_ascii=False) + "\n")
        return
    t = Table("what", "count")
    for k, v in s.items():
        t.add_row(k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v))
    out.print(t)


@app.command()
def ner(conll: Annotated[Path, typer.Option("--conll", exists=True, dir_okay=False,
                                            help="CoNLL file: one token per line (first column), blank line between sentences.")],
        rules: Annotated[bool, typer.Option("--rules", help="Tag with the gazetteer/rule layer instead of the trained model.")] = False,
        ) -> None:
    """Contract 2: print `token<TAB>tag` per line in ANERcorp's BIO scheme (PERS, LOC, ORG, MISC)."""
    from marsad.conll import tag_conll

    with open(conll, encoding="utf-8-sig") as f:
        for line in tag_conll(f, rules=rules):
            sys.stdout.write(line + "\n")


@app.command()
def samples() -> None:
    """Print the folder of the bundled sample articles (for `marsad ingest "$(marsad samples)"`)."""
    out.print(str(Path(__file__).parent / "samples"), highlight=False)


@app.command()
def reanalyse(db: DbOpt = None,
              quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False) -> None:
    """Run the current pipeline again over every stored article (after an update of marsad, its models
    or its knowledge base), keeping the entity decisions made with `marsad entities`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from marsad.jobs import reanalyse as run

    store = _store(db)
    total = len(store.document_ids())
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, disable=quiet, transient=True) as progress:
        task = progress.add_task("reanalysing", total=total)

        def on_item(key: str, outcome: str) -> None:
            if outcome.startswith("failed"):
                progress.console.print(f"[red]failed[/] {key}: {outcome[8:]}", highlight=False)
            progress.advance(task)

        counts = run(store, on_item=on_item)
    store.close()
    out.print(f"reanalysed {counts['reanalysed']}, failed {counts['failed']} (kept their previous analysis)")
    if counts["failed"]:
        raise typer.Exit(1)


from marsad.cli_entities import entities_app  # noqa: E402  (uses the helpers above)

app.add_typer(entities_app, name="entities")

from marsad.cli_accounts import keys_app, orgs_app, users_app  # noqa: E402

app.add_typer(orgs_app, name="orgs")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")

from marsad.cli_serve import serve  # noqa: E402

app.command()(serve)

import marsad.cli_scale  # noqa: E402,F401  (stories, events-grouped: registers on app)
import marsad.cli_export  # noqa: E402,F401  (registers `marsad export` and `marsad import`)
