"""The repository: the only code that talks SQL. Everything above it sees Documents and small
dataclasses, never ORM objects or sessions.

One ``Store`` holds one engine and one Session. Every public method runs in its own short
transaction (reads roll back, writes commit), so a Store never holds a stale snapshot or a lock
between calls. ``save_document`` writes a document, all its annotations and its full-text row in
one transaction: a process killed at any moment leaves either all of it or none of it.

A Store is not thread safe; use one per thread or process (the Dask runner opens one per worker).
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from marsad.document import (
    Claim,
    Document,
    Event,
    Mention,
    Quantity,
    Sentence,
    TimeExpression,
)
from marsad.store import fts
from marsad.store.access import normalize_tlp
from marsad.store.accounts import AccountStoreMixin
from marsad.store.entities import EntityStoreMixin
from marsad.store.schema import (
    FTS_TABLE,
    claims,
    dates,
    documents,
    entity_decisions,
    events,
    failures,
    mentions,
    quantities,
    runs,
)
from marsad.text.normalize import normalize_key

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x6D61727361640001  # pg_advisory_xact_lock key ("marsad" + 1)


@dataclass(frozen=True)
class FailureRow:
    item: str
    reason: str
    location: str | None
    attempts: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    resolved_at: dt.datetime | None
    raw: bytes | None = None
    sharing: dict | None = None  # access.Sharing as a dict: owner and marking to store a retry with


@dataclass(frozen=True)
class RunInfo:
    id: int
    command: str | None
    pipeline_version: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    counts: dict
    status: str


@dataclass(frozen=True)
class DocSummary:
    id: str
    title: str | None
    outlet: str | None
    published: dt.date | None
    n_mentions: int
    n_dates: int
    duplicate_of: str | None


@dataclass(frozen=True)
class SearchHit:
    id: str
    title: str | None
    snippet: str
    score: float
    published: dt.date | None = None
    outlet: str | None = None
    duplicate_of: str | None = None
    hit_start: int | None = None  # offsets of the first matching word in the document's text
    hit_end: int | None = None

    @property
    def document_id(self) -> str:
        return self.id


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; everything we write is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


class Store(EntityStoreMixin, AccountStoreMixin):
    def __init__(self, url: str, *, create: bool = True) -> None:
        """Open (and migrate) the database at ``url``. With ``create=False`` a SQLite file that does
        not exist is an error instead of a new empty database (for read-only commands)."""
        if "://" not in url:  # a bare path means a SQLite file
            url = f"sqlite:///{url}"
        self.url = url
        u = make_url(url)
        if not create and u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") \
                and not Path(u.database).expanduser().exists():
            raise FileNotFoundError(f"no database at {u.database} (create it with `marsad ingest`)")
        self.engine: Engine = self._make_engine(url)
        self.dialect = self.engine.dialect.name
        self._migrate()
        self._session = Session(self.engine, expire_on_commit=False)

    # -- set-up ---------------------------------------------------------------------------------

    @staticmethod
    def default_url() -> str:
        return os.environ.get("MARSAD_DB") or "sqlite:///./marsad.db"

    @staticmethod
    def _make_engine(url: str) -> Engine:
        u = make_url(url)
        if u.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True, future=True)
        database = u.database
        memory = database in (None, "", ":memory:")
        if not memory:
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30}}
        if memory:
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
            # Take transaction control away from the sqlite3 module: we emit BEGIN ourselves.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if not memory:
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                except Exception:  # a read-only file: reading still works in its current mode
                    pass
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            # NORMAL in WAL mode: a killed process never corrupts or half-writes; only an OS crash
            # or power cut may lose the last few commits.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Writers take the write lock up front (BEGIN IMMEDIATE), so busy_timeout applies and a
            # read-then-write transaction can never fail with SQLITE_BUSY on lock upgrade.
            if conn.get_execution_options().get("marsad_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with self.engine.connect() as conn:  # up to date: no write lock, works on read-only files
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
        with self.engine.connect().execution_options(marsad_write=True) as conn:
            if self.dialect == "postgresql":
                # Two workers opening a fresh database at once: one migrates, the other waits.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            yield self._session
        finally:
            self._session.rollback()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        s = self._session
        s.connection(execution_options={"marsad_write": True})
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise

    def close(self) -> None:
        self._session.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, command: str, pipeline_version: str) -> int:
        with self._write() as s:
            return int(s.execute(
                insert(runs).values(command=command, pipeline_version=pipeline_version,
                                    started_at=_now(), status="running", counts={}).returning(runs.c.id)
            ).scalar_one())

    def finish_run(self, run_id: int, counts: dict, status: str = "done") -> None:
        with self._write() as s:
            s.execute(update(runs).where(runs.c.id == run_id)
                      .values(counts=dict(counts), status=status, finished_at=_now()))

    def runs(self, limit: int = 20) -> list[RunInfo]:
        """Most recent first."""
        with self._read() as s:
            result = s.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings().all()
        return [RunInfo(id=r["id"], command=r["command"], pipeline_version=r["pipeline_version"],
                        started_at=_aware(r["started_at"]), finished_at=_aware(r["finished_at"]),
                        counts=dict(r["counts"] or {}), status=r["status"]) for r in result]

    # -- documents ------------------------------------------------------------------------------

    def find_by_hash(self, content_hash: str) -> str | None:
        with self._read() as s:
            return s.execute(select(documents.c.id).where(documents.c.content_hash == content_hash)
                             ).scalar_one_or_none()

    def minhash_signatures(self) -> Iterator[tuple[str, bytes]]:
        """(id, minhash) of every stored original (duplicates excluded, so a near-duplicate found
        through these always points at an original). Read in pages; no transaction is held while
        the caller works between pages."""
        last = ""
        while True:
            with self._read() as s:
                page = s.execute(
                    select(documents.c.id, documents.c.minhash)
                    .where(documents.c.minhash.is_not(None), documents.c.duplicate_of.is_(None),
                           documents.c.id > last)
                    .order_by(documents.c.id).limit(2000)
                ).all()
            if not page:
                return
            for doc_id, mh in page:
                yield doc_id, bytes(mh)
            last = page[-1][0]

    def save_document(self, doc: Document, *, raw: str, content_hash: str, minhash: bytes | None,
                      duplicate_of: str | None, run_id: int | None,
                      external_id: str | None = None, org_id: int | None = None, tlp: str = "CLEAR",
                      created_by: int | None = None) -> str:
        """Store ``doc`` with all its annotations and its full-text row in one transaction and
        return its id. If a document with ``content_hash`` is already stored, return that one's id
        and write nothing. A failure recorded for the same item (``doc.source``) is marked resolved
        in the same transaction. ``org_id``/``tlp``/``created_by``: who owns it and who may see it
        (store/access.py)."""
        try:
            with self._write() as s:
                existing = s.execute(select(documents.c.id)
                                     .where(documents.c.content_hash == content_hash)).scalar_one_or_none()
                if existing is not None:
                    return existing
                self._insert_document(s, doc, raw=raw, content_hash=content_hash, minhash=minhash,
                                      duplicate_of=duplicate_of, run_id=run_id, external_id=external_id,
                                      org_id=org_id, tlp=normalize_tlp(tlp), created_by=created_by)
                return doc.id
        except IntegrityError:
            # Another process stored the same content between our check and our insert (PostgreSQL;
            # SQLite writers are serialised by BEGIN IMMEDIATE).
            existing = self.find_by_hash(content_hash)
            if existing is not None:
                return existing
            raise

    def _insert_document(self, s: Session, doc: Document, *, raw: str, content_hash: str,
                         minhash: bytes | None, duplicate_of: str | None, run_id: int | None,
                         external_id: str | None, org_id: int | None = None, tlp: str = "CLEAR",
                         created_by: int | None = None) -> None:
        pv = doc.pipeline_version
        did = doc.id
        s.execute(insert(documents).values(
            id=did, external_id=external_id, source=doc.source, title=doc.title, text=doc.text,
            raw=raw, published=doc.published, url=doc.url, outlet=doc.outlet,
            content_hash=content_hash, minhash=minhash, duplicate_of=duplicate_of,
            ingested_at=_now(), run_id=run_id, pipeline_version=pv,
            sentences=[[x.start, x.end, x.kind] for x in doc.sentences] or None,
            meta=doc.meta or None, focus=doc.focus, org_id=org_id, tlp=tlp, created_by=created_by,
        ))
        self._insert_annotations(s, doc)
        s.execute(text(f"INSERT INTO {FTS_TABLE} (document_id, terms) VALUES (:d, :t)"),
                  {"d": did, "t": fts.index_text(doc.title, doc.text)})
        if doc.source:
            s.execute(update(failures)
                      .where(failures.c.item == doc.source, failures.c.resolved_at.is_(None))
                      .values(resolved_at=_now()))

    def replace_analysis(self, doc: Document) -> None:
        """Replaces a stored document's annotations with ``doc``'s (a re-run of the pipeline), in one
        transaction: the text, raw input and metadata stay as stored."""
        with self._write() as s:
            for table in (mentions, dates, quantities, claims, events):
                s.execute(table.delete().where(table.c.document_id == doc.id))
            s.execute(update(documents).where(documents.c.id == doc.id)
                      .values(pipeline_version=doc.pipeline_version, focus=doc.focus,
                              sentences=[[x.start, x.end, x.kind] for x in doc.sentences] or None))
            self._insert_annotations(s, doc)

    def document_ids(self) -> list[str]:
        with self._read() as s:
            return [r[0] for r in s.execute(select(documents.c.id).order_by(documents.c.ingested_at, documents.c.id))]

    def _insert_annotations(self, s: Session, doc: Document) -> None:
        pv = doc.pipeline_version
        did = doc.id
        if doc.mentions:
            s.execute(insert(mentions), [
                {"document_id": did, "seq": i, "start": m.start, "end": m.end, "text": m.text,
                 "norm": normalize_key(m.text), "type": m.type, "confidence": m.confidence,
                 "entity_id": m.entity_id, "title": m.title, "title_start": m.title_start,
                 "title_end": m.title_end, "country": m.country, "sector": m.sector,
                 "method": m.method, "pipeline_version": pv, "canonical": m.canonical, "latin": m.latin,
                 "link_confidence": m.link_confidence, "link_method": m.link_method, "lat": m.lat,
                 "lon": m.lon, "geo_precision": m.geo_precision}
                for i, m in enumerate(doc.mentions)])
        if doc.dates:
            s.execute(insert(dates), [
                {"document_id": did, "seq": i, "start": d.start, "end": d.end, "text": d.text,
                 "value": d.value, "granularity": d.granularity, "kind": d.kind, "anchor": d.anchor,
                 "calendar": d.calendar, "mod": d.mod, "confidence": d.confidence,
                 "pipeline_version": pv}
                for i, d in enumerate(doc.dates)])
        if doc.quantities:
            s.execute(insert(quantities), [
                {"document_id": did, "seq": i, "start": q.start, "end": q.end, "text": q.text,
                 "value": q.value, "low": q.low, "high": q.high, "unit": q.unit,
                 "confidence": q.confidence, "pipeline_version": pv}
                for i, q in enumerate(doc.quantities)])
        if doc.claims:
            s.execute(insert(claims), [
                {"document_id": did, "seq": i, "start": c.start, "end": c.end, "cue": c.cue,
                 "cue_start": c.cue_start, "cue_end": c.cue_end, "source": c.source,
                 "source_kind": c.source_kind, "source_start": c.source_start,
                 "source_end": c.source_end, "via": c.via, "confidence": c.confidence,
                 "refers_to": c.refers_to, "source_ref": c.source_ref, "pipeline_version": pv}
                for i, c in enumerate(doc.claims)])
        if doc.events:
            s.execute(insert(events), [
                {"document_id": did, "seq": i, "type": e.type, "mode": e.mode, "trigger": e.trigger,
                 "trigger_start": e.trigger_start, "trigger_end": e.trigger_end,
                 "sentence_start": e.sentence_start, "sentence_end": e.sentence_end,
                 "source": e.source, "target": e.target, "location": e.location, "date": e.date,
                 "dead": e.dead, "injured": e.injured, "size": e.size, "claim": e.claim,
                 "confidence": e.confidence, "pipeline_version": pv}
                for i, e in enumerate(doc.events)])

    def get_document(self, doc_id: str) -> Document | None:
        with self._read() as s:
            row = s.execute(select(documents).where(documents.c.id == doc_id)).mappings().one_or_none()
            if row is None:
                return None

            def rows(table):  # noqa: ANN001, ANN202
                return s.execute(select(table).where(table.c.document_id == doc_id)
                                 .order_by(table.c.seq)).mappings().all()

            doc = Document(
                id=row["id"], text=row["text"], title=row["title"], published=row["published"],
                url=row["url"], outlet=row["outlet"], source=row["source"],
                meta=dict(row["meta"] or {}), pipeline_version=row["pipeline_version"],
                sentences=[Sentence(a, b, k) for a, b, k in (row["sentences"] or [])],
                focus=row["focus"],
            )
            doc.mentions = [Mention(
                start=r["start"], end=r["end"], text=r["text"], type=r["type"],
                confidence=r["confidence"], entity_id=r["entity_id"], title=r["title"],
                title_start=r["title_start"], title_end=r["title_end"], country=r["country"],
                sector=r["sector"], method=r["method"], canonical=r["canonical"], latin=r["latin"],
                link_confidence=r["link_confidence"], link_method=r["link_method"], lat=r["lat"],
                lon=r["lon"], geo_precision=r["geo_precision"]) for r in rows(mentions)]
            doc.dates = [TimeExpression(
                start=r["start"], end=r["end"], text=r["text"], value=r["value"],
                granularity=r["granularity"], kind=r["kind"], anchor=r["anchor"],
                calendar=r["calendar"], mod=r["mod"], confidence=r["confidence"]) for r in rows(dates)]
            doc.quantities = [Quantity(
                start=r["start"], end=r["end"], text=r["text"], value=r["value"], low=r["low"],
                high=r["high"], unit=r["unit"], confidence=r["confidence"]) for r in rows(quantities)]
            doc.claims = [Claim(
                start=r["start"], end=r["end"], cue=r["cue"], cue_start=r["cue_start"],
                cue_end=r["cue_end"], source=r["source"], source_kind=r["source_kind"],
                source_start=r["source_start"], source_end=r["source_end"], via=r["via"],
                confidence=r["confidence"], refers_to=r["refers_to"], source_ref=r["source_ref"])
                for r in rows(claims)]
            doc.events = [Event(
                type=r["type"], trigger=r["trigger"], trigger_start=r["trigger_start"],
                trigger_end=r["trigger_end"], sentence_start=r["sentence_start"],
                sentence_end=r["sentence_end"], mode=r["mode"], source=list(r["source"] or []),
                target=list(r["target"] or []), location=r["location"], date=r["date"],
                dead=r["dead"], injured=r["injured"], size=r["size"], claim=r["claim"],
                confidence=r["confidence"]) for r in rows(events)]
            return doc

    def documents(self, limit: int = 50, offset: int = 0) -> list[DocSummary]:
        """Newest ingested first."""
        n_m = (select(func.count()).select_from(mentions)
               .where(mentions.c.document_id == documents.c.id).scalar_subquery())
        n_d = (select(func.count()).select_from(dates)
               .where(dates.c.document_id == documents.c.id).scalar_subquery())
        with self._read() as s:
            result = s.execute(
                select(documents.c.id, documents.c.title, documents.c.outlet, documents.c.published,
                       n_m, n_d, documents.c.duplicate_of)
                .order_by(documents.c.ingested_at.desc(), documents.c.id)
                .limit(limit).offset(offset)
            ).all()
        return [DocSummary(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), r[6]) for r in result]

    # -- failures -------------------------------------------------------------------------------

    def record_failure(self, item: str, reason: str, raw: bytes | None, location: str | None,
                       sharing: dict | None = None) -> None:
        """Insert, or on a repeat: attempts + 1, reason/location/last_seen/sharing updated, unresolved."""
        now = _now()
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        stmt = dialect_insert(failures).values(item=item, reason=reason, raw=raw, location=location,
                                               attempts=1, first_seen=now, last_seen=now, sharing=sharing)
        stmt = stmt.on_conflict_do_update(
            index_elements=[failures.c.item],
            set_={
                "attempts": failures.c.attempts + 1,
                "reason": stmt.excluded.reason,
                "location": func.coalesce(stmt.excluded.location, failures.c.location),
                "raw": func.coalesce(stmt.excluded.raw, failures.c.raw),
                "last_seen": stmt.excluded.last_seen,
                "sharing": stmt.excluded.sharing,
                "resolved_at": None,
            },
        )
        with self._write() as s:
            s.execute(stmt)

    def resolve_failure(self, item: str) -> None:
        with self._write() as s:
            s.execute(update(failures)
                      .where(failures.c.item == item, failures.c.resolved_at.is_(None))
                      .values(resolved_at=_now()))

    def failures(self, include_resolved: bool = False) -> list[FailureRow]:
        q = select(failures).order_by(failures.c.last_seen.desc(), failures.c.id)
        if not include_resolved:
            q = q.where(failures.c.resolved_at.is_(None))
        with self._read() as s:
            result = s.execute(q).mappings().all()
        return [FailureRow(item=r["item"], reason=r["reason"], location=r["location"],
                           attempts=r["attempts"], first_seen=_aware(r["first_seen"]),
                           last_seen=_aware(r["last_seen"]), resolved_at=_aware(r["resolved_at"]),
                           raw=bytes(r["raw"]) if r["raw"] is not None else None, sharing=r["sharing"])
                for r in result]

    # -- search and stats -----------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Ranked full-text hits. Words must all match (a quoted "…" or «…» part as a phrase); if
        nothing matches them all, documents matching any word are returned instead."""
        q = fts.parse_query(query)
        if not q:
            return []
        rows = self._search_rows(q, limit, any_of=False)
        if not rows and len(q.groups) > 1:
            rows = self._search_rows(q, limit, any_of=True)
        hits = []
        for doc_id, title, body, published, outlet, dup, score in rows:
            span = fts.first_hit(body, q)
            hits.append(SearchHit(
                id=doc_id, title=title, snippet=fts.snippet(body, span), score=float(score),
                published=published, outlet=outlet, duplicate_of=dup,
                hit_start=span[0] if span else None, hit_end=span[1] if span else None))
        return hits

    def _search_rows(self, q: fts.ParsedQuery, limit: int, *, any_of: bool) -> list[Any]:
        cols = "d.id, d.title, d.text, d.published, d.outlet, d.duplicate_of"
        with self._read() as s:
            if self.dialect == "sqlite":
                sql = text(
                    f"SELECT {cols}, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
                    f"JOIN documents d ON d.id = {FTS_TABLE}.document_id "
                    f"WHERE {FTS_TABLE} MATCH :q ORDER BY score DESC, d.id LIMIT :n"
                )
                params = {"q": fts.fts5_query(q, any_of=any_of), "n": limit}
            elif self.dialect == "postgresql":
                sql = text(
                    f"SELECT {cols}, ts_rank_cd(f.tsv, q) AS score "
                    f"FROM {FTS_TABLE} f JOIN documents d ON d.id = f.document_id, "
                    "to_tsquery('simple', :q) q WHERE f.tsv @@ q ORDER BY score DESC, d.id LIMIT :n"
                )
                params = {"q": fts.tsquery(q, any_of=any_of), "n": limit}
            else:  # pragma: no cover
                raise NotImplementedError(f"search on {self.dialect}")
            result = s.execute(sql, params).all()
        out = []
        for r in result:
            published = r[3]
            if isinstance(published, str):  # textual SQL on SQLite returns the stored string
                published = dt.date.fromisoformat(published)
            out.append((r[0], r[1], r[2], published, r[4], r[5], r[6]))
        return out

    def stats(self) -> dict:
        with self._read() as s:
            def count(table, *where) -> int:  # noqa: ANN001
                return int(s.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

            by_type = dict(s.execute(select(mentions.c.type, func.count())
                                     .group_by(mentions.c.type).order_by(mentions.c.type)).all())
            events_by_type = dict(s.execute(select(events.c.type, func.count())
                                            .group_by(events.c.type).order_by(events.c.type)).all())
            return {
                "documents": count(documents),
                "duplicates": count(documents, documents.c.duplicate_of.is_not(None)),
                "failures": count(failures, failures.c.resolved_at.is_(None)),
                "failures_resolved": count(failures, failures.c.resolved_at.is_not(None)),
                "mentions": count(mentions),
                "dates": count(dates),
                "quantities": count(quantities),
                "claims": count(claims),
                "events": count(events),
                "runs": count(runs),
                "by_type": {k: int(v) for k, v in by_type.items()},
                "events_by_type": {k: int(v) for k, v in events_by_type.items()},
            }
