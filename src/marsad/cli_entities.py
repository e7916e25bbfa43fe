"""`marsad entities …`: browse the entities of the store and record decisions about them (merge, split,
alias, undo). Every decision is logged, reversible, and kept by later runs of the pipeline."""
from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.table import Table

from marsad.cli import DbOpt, _fail, _store, out

entities_app = typer.Typer(help="Entities: list, show, merge, split, alias, confirm, cluster, undo, history.",
                           no_args_is_help=True)


@entities_app.command("list")
def list_entities(query: Annotated[Optional[str], typer.Argument(help="Part of a name (any spelling).")] = None,
                  type: Annotated[Optional[str], typer.Option("--type", help="PER, ORG, GPE, LOC or FAC.")] = None,
                  limit: Annotated[int, typer.Option(help="Rows to show.")] = 50, db: DbOpt = None,
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Entities by the number of documents that name them ("new:" ids: not in the knowledge base)."""
    store = _store(db)
    rows = store.entities(query=query, type=type.upper() if type else None, limit=limit)
    confirmed = store.confirmed_ids()
    store.close()
    if as_json:
        out.print_json(json.dumps([{**r.__dict__, "confirmed": r.entity_id in confirmed} for r in rows],
                                  ensure_ascii=False))
        return
    t = Table("entity", "type", "name", "latin", "country", "docs", "mentions", "confirmed",
              title=f"{len(rows)} entities")
    for r in rows:
        t.add_row(r.entity_id, r.type, r.canonical or "", r.latin or "", r.country or "", str(r.documents),
                  str(r.mentions), "yes" if r.entity_id in confirmed else "")
    out.print(t)


@entities_app.command("show")
def show_entity(entity_id: Annotated[str, typer.Argument(help="Entity id (see `marsad entities list`).")],
                db: DbOpt = None) -> None:
    """One entity: the names the texts use for it and the documents that name it."""
    store = _store(db)
    d = store.entity(entity_id)
    store.close()
    if d is None:
        _fail(ValueError(f"no mentions of {entity_id!r} in the database (list them with `marsad entities list`)"))
    s = d.summary
    out.rule(f"{s.canonical or entity_id} · {s.latin or ''}")
    out.print(f"{entity_id} · {s.type} · country {s.country or '?'} · sector {d.sector or '-'} · "
              f"{s.mentions} mentions in {s.documents} documents"
              + (f" · {d.lat:.4f}, {d.lon:.4f}" if d.lat is not None else ""), highlight=False)
    t = Table("name as written", "times")
    for n, c in d.names:
        t.add_row(n, str(c))
    out.print(t)
    t = Table("document", "title", "mentions")
    for doc_id, title, n in d.documents:
        t.add_row(doc_id, (title or "")[:60], str(n))
    out.print(t)


@entities_app.command("merge")
def merge(source: Annotated[str, typer.Argument(help="The entity that disappears.")],
          target: Annotated[str, typer.Argument(help="The entity that keeps all the mentions.")],
          note: Annotated[Optional[str], typer.Option(help="Why (kept in the history).")] = None,
          db: DbOpt = None) -> None:
    """Merge SOURCE into TARGET: one entity behind both names, now and in later runs."""
    from marsad.store.entities import EntityError

    store = _store(db)
    try:
        did, n = store.merge_entities(source, target, note)
    except EntityError as e:
        _fail(e)
    finally:
        store.close()
    out.print(f"decision {did}: {n} mentions of {source} now point to {target} (undo: marsad entities undo {did})")


@entities_app.command("split")
def split(entity_id: Annotated[str, typer.Argument(help="The entity to split.")],
          documents: Annotated[list[str], typer.Argument(help="Documents whose mentions form the new entity.")],
          name: Annotated[Optional[str], typer.Option(help="Display name of the new entity.")] = None,
          note: Annotated[Optional[str], typer.Option(help="Why (kept in the history).")] = None,
          db: DbOpt = None) -> None:
    """Split ENTITY_ID: its mentions in DOCUMENTS become a new entity (a namesake)."""
    from marsad.store.entities import EntityError

    store = _store(db)
    try:
        did, new_id, n = store.split_entity(entity_id, documents, name, note)
    except EntityError as e:
        _fail(e)
    finally:
        store.close()
    out.print(f"decision {did}: {n} mentions moved from {entity_id} to {new_id} (undo: marsad entities undo {did})")


@entities_app.command("alias")
def alias(name: Annotated[str, typer.Argument(help="A name as texts write it.")],
          entity_id: Annotated[str, typer.Argument(help="The entity it names.")],
          note: Annotated[Optional[str], typer.Option(help="Why (kept in the history).")] = None,
          db: DbOpt = None) -> None:
    """Make NAME an alias of ENTITY_ID: mentions with that name link to it, now and in later runs."""
    from marsad.store.entities import EntityError

    store = _store(db)
    try:
        did, n = store.add_alias(name, entity_id, note)
    except EntityError as e:
        _fail(e)
    finally:
        store.close()
    out.print(f"decision {did}: {n} stored mentions of {name!r} now point to {entity_id} "
              f"(undo: marsad entities undo {did})")


@entities_app.command("confirm")
def confirm(entity_id: Annotated[str, typer.Argument(help="The entity to vouch for.")],
            name: Annotated[Optional[str], typer.Option(help="Its display name in Arabic.")] = None,
            latin: Annotated[Optional[str], typer.Option(help="Its Latin display name.")] = None,
            note: Annotated[Optional[str], typer.Option(help="Why (kept in the history).")] = None,
            db: DbOpt = None) -> None:
    """Confirm ENTITY_ID (e.g. a provisional person found in several documents), optionally naming it;
    its links get confidence 1, now and in later runs."""
    from marsad.store.entities import EntityError

    store = _store(db)
    try:
        did, n = store.confirm_entity(entity_id, name, latin, note)
    except EntityError as e:
        _fail(e)
    finally:
        store.close()
    out.print(f"decision {did}: {entity_id} confirmed" + (f", {n} mentions renamed" if name else "")
              + f" (undo: marsad entities undo {did})")


@entities_app.command("undo")
def undo(decision: Annotated[int, typer.Argument(help="Decision number (see `marsad entities history`).")],
         db: DbOpt = None) -> None:
    """Undo a decision: the mentions it changed get their links back; later runs no longer apply it."""
    from marsad.store.entities import EntityError

    store = _store(db)
    try:
        n = store.undo_decision(decision)
    except EntityError as e:
        _fail(e)
    finally:
        store.close()
    out.print(f"decision {decision} undone: {n} mentions restored; documents analysed again since the decision "
              "lose it at the next `marsad reanalyse`")


@entities_app.command("history")
def history(db: DbOpt = None) -> None:
    """Every entity decision, in order, with what it changed and whether it was undone."""
    store = _store(db)
    rows = store.decisions()
    store.close()
    t = Table("#", "when", "action", "what", "mentions", "note", "undone", title="entity decisions")
    for d in rows:
        t.add_row(str(d.id), f"{d.created_at:%Y-%m-%d %H:%M}", d.action,
                  json.dumps(d.args, ensure_ascii=False), str(d.changed), d.note or "",
                  f"{d.undone_at:%Y-%m-%d %H:%M}" if d.undone_at else "")
    out.print(t)


@entities_app.command("cluster")
def cluster(apply: Annotated[bool, typer.Option("--apply", help="Record the proposed merges (undoable).")] = False,
            min_context: Annotated[float, typer.Option(help="Least cosine of the two contexts (0-1).")] = 0.45,
            db: DbOpt = None) -> None:
    """Propose merges of provisional entities across documents: other spellings and short forms of one
    name whose sentences speak of the same things (USE multilingual sentence vectors)."""
    from marsad.jobs import cluster_entities

    store = _store(db)
    try:
        proposals = cluster_entities(store, apply=apply, min_context=min_context)
    finally:
        store.close()
    t = Table("merge", "into", "names", "why", "context", title=f"{len(proposals)} proposed merges"
              + (" (recorded)" if apply else " (not recorded: add --apply)"))
    for p in proposals:
        t.add_row(p.source, p.target, f"{p.source_name} → {p.target_name}", f"{p.name_reason} {p.name_similarity}",
                  f"{p.context_similarity:.2f}")
    out.print(t)
