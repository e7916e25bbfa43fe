"""`marsad export` and `marsad import`: the knowledge base out to files (JSONL, ACLED-like CSV, Parquet,
GeoJSON, GraphML, GEXF, STIX 2.1) and back in from another marsad (STIX bundle or JSONL), without
duplicates. Thin: options in, marsad.exports does the work."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from marsad.cli import DbOpt, _parse_date, _sharing, _store, app, err, out
from marsad.exports import FORMATS
from marsad.exports.render import render


def export_filter(date_from: Optional[str], date_to: Optional[str], actor: Optional[str], place: Optional[str],
                  type_: Optional[str], outlet: Optional[str], max_tlp: Optional[str]):  # noqa: ANN201
    from marsad.exports.select import ExportFilter

    try:
        return ExportFilter(date_from=_parse_date(date_from, "--from"), date_to=_parse_date(date_to, "--to"),
                            actor=actor, place=place, type=type_, outlet=outlet, max_tlp=max_tlp)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--max-tlp")


def viewer_for(store, as_user: Optional[str]):  # noqa: ANN001, ANN201
    """SYSTEM (the operator sees everything) unless --as-user names a user of this database."""
    from marsad.store.access import SYSTEM

    if not as_user:
        return SYSTEM
    info = store.user(as_user)
    if info is None:
        raise typer.BadParameter(f"no user named {as_user!r} in this database", param_hint="--as-user")
    return store.viewer_for_user(info)


@app.command("export")
def export_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Events on or after YYYY-MM-DD.")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Events on or before YYYY-MM-DD.")] = None,
    actor: Annotated[Optional[str], typer.Option(help="Entity id or name of an actor (source or target).")] = None,
    place: Annotated[Optional[str], typer.Option(help="Entity id or name of the event's place.")] = None,
    type: Annotated[Optional[str], typer.Option("--type", help="PLOVER event type (ASSAULT, PROTEST …).")] = None,
    outlet: Annotated[Optional[str], typer.Option(help="Only articles of this outlet.")] = None,
    as_user: Annotated[Optional[str], typer.Option("--as-user", help="Export what this user may see.")] = None,
    max_tlp: Annotated[Optional[str], typer.Option("--max-tlp", help="Only items marked at or below: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Really everything, TLP:RED included (the operator's own backup).")] = False,
    db: DbOpt = None,
) -> None:
    """Export the knowledge base: JSONL (contract-1 records), CSV/Parquet (events in ACLED-like columns),
    GeoJSON (events and places), GraphML/GEXF (actor network), STIX 2.1 (bundle with TLP markings).
    Say whose view it is: --as-user NAME, --max-tlp LEVEL (GREEN for sharing out), or --all."""
    fmt = format.lower()
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{format!r} is not a format; use one of: {', '.join(FORMATS)}", param_hint="--format")
    # no silent default: a routine partner export must not carry AMBER/RED because nobody said otherwise
    if all_ and (as_user or max_tlp):
        raise typer.BadParameter("--all exports everything; leave out --as-user/--max-tlp, or drop --all",
                                 param_hint="--all")
    if not (all_ or as_user or max_tlp):
        raise typer.BadParameter("say what may leave: --as-user NAME (what that user may see), --max-tlp LEVEL "
                                 "(e.g. GREEN for a partner), or --all (everything, TLP:RED included)",
                                 param_hint="--as-user/--max-tlp/--all")
    flt = export_filter(date_from, date_to, actor, place, type, outlet, max_tlp)
    store = _store(db)
    try:
        viewer = viewer_for(store, as_user)
        data, n = render(fmt, store, viewer, flt)
    finally:
        store.close()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)
        err.print(f"wrote {n} {_unit(fmt)} to {output} ({len(data):,} bytes)", highlight=False)


def _unit(fmt: str) -> str:
    return {"jsonl": "documents", "csv": "events", "parquet": "events", "geojson": "features",
            "graphml": "edges", "gexf": "edges", "stix": "STIX objects"}[fmt]


def _at_least(records, tlp: str | None, kept: list[tuple[str, str]]):  # noqa: ANN001, ANN202
    """``(name, record)`` pairs with each record's marking raised to ``tlp`` (--tlp) where it is lower; a
    record marked higher keeps its own marking (an import must never widen who may see an item), noted in
    ``kept`` for the command to print."""
    from marsad.store.access import TLP_LEVELS, normalize_tlp

    for name, rec in records:
        if tlp and isinstance(rec, dict) and "_error" not in rec:
            try:
                own = normalize_tlp(rec.get("tlp") or "CLEAR")
            except ValueError:  # the importer reports the record's bad marking, naming it
                yield name, rec
                continue
            if TLP_LEVELS.index(own) > TLP_LEVELS.index(tlp):
                kept.append((name, f"the record is TLP:{own}; --tlp {tlp} only raises a marking: kept TLP:{own}"))
            else:
                rec = {**rec, "tlp": tlp}
        yield name, rec


@app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="A STIX 2.1 bundle (.json) or a JSONL file from `marsad export`; - for stdin.")],
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="stix or jsonl (default: from the file).")] = None,
    tlp: Annotated[Optional[str], typer.Option(help="Mark imported documents at least so: raises a record's own marking, never lowers it (default: each keeps its own).")] = None,
    org: Annotated[Optional[str], typer.Option(help="Owning organisation of the imported documents (made if new); needed for AMBER and AMBER+STRICT (RED needs --user).")] = None,
    user: Annotated[Optional[str], typer.Option(help="Importing user; owns RED documents, their organisation the others.")] = None,
    db: DbOpt = None,
) -> None:
    """Merge an export of another marsad into this database. An article already stored (same content) is
    not stored again; exported annotations are kept as they are (run `marsad reanalyse` to redo them)."""
    from marsad.exports import jsonl, stix_import

    name = "<stdin>" if str(path) == "-" else str(path)
    if name != "<stdin>" and not path.is_file():
        raise typer.BadParameter(f"no file {name}", param_hint="PATH")
    fmt = (format or ("jsonl" if name.endswith((".jsonl", ".ndjson")) else "stix")).lower()
    if fmt not in ("stix", "jsonl"):
        raise typer.BadParameter(f"{format!r}: import reads stix or jsonl", param_hint="--format")
    store = _store(db, create=True)
    owner: dict = {}
    if tlp or org or user:
        s = _sharing(store, tlp=tlp or "CLEAR", org=org, user=user) if (org or user) else None
        # --tlp is applied per record below (raise only), never handed to the importer as an override
        owner = {"org_id": s.org_id if s else None, "created_by": s.created_by if s else None}
        if tlp:  # checked now, so a wrong value is one line, not a failure per document
            from marsad.store.access import normalize_tlp

            try:
                tlp = normalize_tlp(tlp)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--tlp")
    kept: list[tuple[str, str]] = []
    stream = sys.stdin if name == "<stdin>" else open(path, encoding="utf-8-sig")
    try:
        if fmt == "jsonl":
            counts = jsonl.import_records(store, _at_least(jsonl.read_jsonl(stream, name), tlp, kept), **owner)
        else:
            try:
                counts = stix_import.StixImportCounts()
                records = stix_import.report_records(stix_import.load_objects(stream, name), counts)
                got = jsonl.import_records(store, _at_least(records, tlp, kept), **owner)
                counts.read, counts.stored, counts.duplicates = got.read, got.stored, got.duplicates
                counts.failed, counts.failures = got.failed, got.failures
            except ValueError as exc:
                err.print(f"[red]error:[/] {exc}", highlight=False)
                raise typer.Exit(2)
    finally:
        if stream is not sys.stdin:
            stream.close()
        store.close()
    for item, reason in kept:
        err.print(f"[yellow]marking[/] {item}: {reason}", highlight=False)
    for item, reason in getattr(counts, "marking_mismatches", []):
        err.print(f"[yellow]marking[/] {item}: {reason}", highlight=False)
    for item, reason in counts.failures:
        err.print(f"[red]failed[/] {item}: {reason}", highlight=False)
    skipped = getattr(counts, "skipped", 0)
    out.print(f"read {counts.read}, stored {counts.stored}, already stored {counts.duplicates}, "
              f"failed {counts.failed}" + (f", skipped {skipped} reports without a marsad record" if skipped else ""),
              highlight=False)
    if counts.failed:
        raise typer.Exit(1)
