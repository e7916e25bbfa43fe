"""Entities as the store sees them: the stored mentions grouped by entity id, and a user's decisions
about them (merge two entities, split one by documents, add an alias), each applied to the stored
mentions at once, logged with what it changed so that it can be undone, and replayed on every later
run through ``LinkOverrides`` (so re-running the pipeline keeps the user's decisions).

Mixed into ``Store`` (repository.py); uses its ``_read``/``_write`` sessions.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from marsad.pipeline.link import LinkOverrides, key_of, provisional_id
from marsad.store.access import SYSTEM, Viewer, visible_document_ids
from marsad.store.schema import documents, entity_decisions, mentions
from marsad.text.normalize import normalize_key


@dataclass(frozen=True)
class EntitySummary:
    entity_id: str
    type: str
    canonical: str | None
    latin: str | None
    country: str | None
    mentions: int
    documents: int


@dataclass
class EntityDetail:
    summary: EntitySummary
    names: list[tuple[str, int]]  # surface forms and how often
    documents: list[tuple[str, str | None, int]]  # (document id, title, mentions)
    sector: str | None = None
    lat: float | None = None
    lon: float | None = None
    methods: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    id: int
    created_at: dt.datetime
    action: str
    args: dict[str, Any]
    changed: int
    note: str | None
    undone_at: dt.datetime | None


class EntityError(ValueError):
    """A decision that cannot be made (unknown entity, nothing to change); the message says why."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class EntityStoreMixin:
    # ---------------------------------------------------------------- reading
    def entities(self, query: str | None = None, type: str | None = None, limit: int = 50) -> list[EntitySummary]:
        """Entities by number of documents (most first); ``query`` matches the canonical or any surface
        form (normalised), ``type`` one of PER ORG GPE LOC FAC."""
        with self._read() as s:
            q = (select(mentions.c.entity_id, func.min(mentions.c.type), func.max(mentions.c.canonical),
                        func.max(mentions.c.latin), func.max(mentions.c.country), func.count(),
                        func.count(func.distinct(mentions.c.document_id)))
                 .where(mentions.c.entity_id.is_not(None), mentions.c.type != "NORP")
                 .group_by(mentions.c.entity_id))
            if type:
                q = q.where(mentions.c.type == type)
            if query:
                k = normalize_key(query)
                ids = select(mentions.c.entity_id).where(
                    (mentions.c.norm.contains(k)) | (mentions.c.canonical.contains(query.strip())))
                q = q.where(mentions.c.entity_id.in_(ids))
            q = q.order_by(func.count(func.distinct(mentions.c.document_id)).desc(), mentions.c.entity_id).limit(limit)
            return [EntitySummary(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6])) for r in s.execute(q).all()]

    def entity(self, entity_id: str) -> EntityDetail | None:
        with self._read() as s:
            rows = s.execute(select(mentions.c.document_id, mentions.c.text, mentions.c.type, mentions.c.canonical,
                                    mentions.c.latin, mentions.c.country, mentions.c.sector, mentions.c.lat,
                                    mentions.c.lon, mentions.c.link_method)
                             .where(mentions.c.entity_id == entity_id)).all()
            if not rows:
                return None
            titles = dict(s.execute(select(documents.c.id, documents.c.title)
                                    .where(documents.c.id.in_({r[0] for r in rows}))).all())
        names = Counter(" ".join(r[1].split()) for r in rows)
        per_doc = Counter(r[0] for r in rows)
        first = rows[0]
        summary = EntitySummary(entity_id, Counter(r[2] for r in rows).most_common(1)[0][0],
                                Counter(r[3] for r in rows if r[3]).most_common(1)[0][0] if any(r[3] for r in rows) else None,
                                next((r[4] for r in rows if r[4]), None), next((r[5] for r in rows if r[5]), None),
                                len(rows), len(per_doc))
        return EntityDetail(summary, names.most_common(), [(d, titles.get(d), n) for d, n in per_doc.most_common()],
                            sector=next((r[6] for r in rows if r[6]), None), lat=first[7], lon=first[8],
                            methods=dict(Counter(r[9] or "" for r in rows)))

    def decisions(self, include_undone: bool = True) -> list[Decision]:
        with self._read() as s:
            q = select(entity_decisions).order_by(entity_decisions.c.id)
            if not include_undone:
                q = q.where(entity_decisions.c.undone_at.is_(None))
            return [Decision(r["id"], r["created_at"], r["action"], dict(r["args"]), len(r["changed"] or []),
                             r["note"], r["undone_at"]) for r in s.execute(q).mappings().all()]

    def link_overrides(self) -> LinkOverrides:
        """The active decisions, in order, as the linking stage applies them."""
        ov = LinkOverrides()
        for d in self.decisions(include_undone=False):
            a = d.args
            if d.action == "merge" and "documents" in a:  # a user's merge: only in the documents they saw
                for doc_id in a["documents"]:
                    ov.splits[(a["source"], doc_id)] = a["target"]
            elif d.action == "merge":
                ov.redirects[a["source"]] = a["target"]
            elif d.action == "alias":
                ov.aliases[tuple(a["key"])] = a["entity_id"]
            elif d.action == "split":
                for doc_id in a["documents"]:
                    ov.splits[(a["entity_id"], doc_id)] = a["new_id"]
                ov.names[a["new_id"]] = (a.get("type") or "", a.get("name") or "")
            elif d.action == "confirm":
                ov.confirmed[a["entity_id"]] = (a.get("name"), a.get("latin"))
        return ov

    def confirmed_ids(self) -> set[str]:
        return {d.args["entity_id"] for d in self.decisions(include_undone=False) if d.action == "confirm"}

    def provisional_entities(self, max_sentences: int = 5) -> list:
        """Every provisional (``new:``) entity with its names, documents and up to ``max_sentences``
        sentences that name it (for context similarity in kb/cluster.py)."""
        from marsad.kb.cluster import Provisional

        with self._read() as s:
            rows = s.execute(select(mentions.c.entity_id, mentions.c.type, mentions.c.text, mentions.c.document_id,
                                    mentions.c.start, mentions.c.end)
                             .where(mentions.c.entity_id.like("new:%"), mentions.c.type != "NORP")
                             .order_by(mentions.c.entity_id, mentions.c.document_id, mentions.c.start)).all()
            want: dict[str, list] = {}
            for r in rows:
                want.setdefault(r[3], []).append(r)
            texts = {}
            ids = list(want)
            for i in range(0, len(ids), 500):
                for d, t, sents in s.execute(select(documents.c.id, documents.c.text, documents.c.sentences)
                                             .where(documents.c.id.in_(ids[i:i + 500]))).all():
                    texts[d] = (t, sents or [])
        ents: dict[str, Provisional] = {}
        names: dict[str, Counter] = {}
        for eid, typ, text, doc_id, start, end in rows:
            e = ents.get(eid)
            if e is None:
                # the key the id was made from (its mentions may include short forms linked to it)
                e = ents[eid] = Provisional(eid, typ, text, tuple(eid.split(":", 2)[2].split("_")), 0, set())
                names[eid] = Counter()
            e.mentions += 1
            e.documents.add(doc_id)
            names[eid][" ".join(text.split())] += 1
            if len(e.sentences) < max_sentences and doc_id in texts:
                t, sents = texts[doc_id]
                sent = next((t[a:b] for a, b, *_ in sents if a <= start < b), t[max(0, start - 150):end + 150])
                if sent not in e.sentences:
                    e.sentences.append(sent)
        for eid, e in ents.items():
            e.name = names[eid].most_common(1)[0][0]
        return list(ents.values())

    # ---------------------------------------------------------------- deciding
    def _record(self, s, action: str, args: dict, changed: list, note: str | None) -> int:  # noqa: ANN001
        res = s.execute(entity_decisions.insert().values(created_at=_now(), action=action, args=args,
                                                         changed=changed, note=note))
        return int(res.inserted_primary_key[0])

    def _display(self, s, entity_id: str, viewer: Viewer = SYSTEM) -> tuple[str | None, str | None]:  # noqa: ANN001
        q = select(mentions.c.canonical, mentions.c.latin).where(mentions.c.entity_id == entity_id,
                                                                 mentions.c.canonical.is_not(None))
        if not viewer.system:  # names only from what the viewer may see (or the knowledge base)
            q = q.where(mentions.c.document_id.in_(visible_document_ids(viewer)))
        row = s.execute(q.limit(1)).first()
        if row is not None:
            return row[0], row[1]
        from marsad.kb.entities import load as load_kb

        e = load_kb().get(entity_id)
        return (e.name, e.display_latin) if e else (None, None)

    def _known(self, s, entity_id: str, viewer: Viewer = SYSTEM) -> bool:  # noqa: ANN001
        from marsad.kb.entities import load as load_kb

        if load_kb().get(entity_id) is not None:
            return True
        q = select(mentions.c.id).where(mentions.c.entity_id == entity_id)
        if not viewer.system:
            q = q.where(mentions.c.document_id.in_(visible_document_ids(viewer)))
        return s.execute(q.limit(1)).first() is not None

    def merge_entities(self, source: str, target: str, note: str | None = None,
                       viewer: Viewer = SYSTEM) -> tuple[int, int]:
        """Every mention of ``source`` becomes a mention of ``target``. Returns (decision id, mentions changed).

        The operator (``SYSTEM``) merges everywhere and for every later run. A user of the API or the web
        interface merges only in the documents they may see (store/access.py), and the decision stays scoped
        to those documents, so nobody rewrites, or learns about, another organisation's hidden items."""
        if source == target:
            raise EntityError("an entity cannot be merged into itself")
        with self._write() as s:
            for e in (source, target):
                if not self._known(s, e, viewer):
                    raise EntityError(f"no entity {e!r} that you may see in the store or the knowledge base")
            q = select(mentions.c.id, mentions.c.entity_id, mentions.c.canonical, mentions.c.latin,
                       mentions.c.document_id).where(mentions.c.entity_id == source)
            if not viewer.system:
                q = q.where(mentions.c.document_id.in_(visible_document_ids(viewer)))
            rows = s.execute(q).all()
            canonical, latin = self._display(s, target, viewer)
            if rows:
                s.execute(update(mentions).where(mentions.c.id.in_([r[0] for r in rows]))
                          .values(entity_id=target, canonical=canonical, latin=latin, link_method="user"))
            args: dict[str, Any] = {"source": source, "target": target}
            if not viewer.system:
                args["documents"] = sorted({r[4] for r in rows})
                args["by"] = viewer.name
            did = self._record(s, "merge", args, [list(r[:4]) for r in rows], note)
            return did, len(rows)

    def split_entity(self, entity_id: str, document_ids: list[str], name: str | None = None,
                     note: str | None = None, viewer: Viewer = SYSTEM) -> tuple[int, str, int]:
        """The mentions of ``entity_id`` in ``document_ids`` (those of them ``viewer`` may see) become a new
        entity (another person or group of the same name). Returns (decision id, new entity id, mentions
        changed)."""
        with self._write() as s:
            q = (select(mentions.c.id, mentions.c.entity_id, mentions.c.canonical, mentions.c.latin,
                        mentions.c.type, mentions.c.text, mentions.c.document_id)
                 .where(mentions.c.entity_id == entity_id, mentions.c.document_id.in_(document_ids)))
            if not viewer.system:
                q = q.where(mentions.c.document_id.in_(visible_document_ids(viewer)))
            rows = s.execute(q).all()
            if not viewer.system:  # the decision is replayed on exactly the documents it changed
                document_ids = sorted({r[6] for r in rows})
            if not rows:
                raise EntityError(f"entity {entity_id!r} has no mentions in the documents given")
            n = int(s.execute(select(func.count()).select_from(entity_decisions)).scalar_one()) + 1
            typ = rows[0][4]
            new_id = f"user:{typ}:{n}"
            label = name or " ".join(rows[0][5].split())
            s.execute(update(mentions).where(mentions.c.id.in_([r[0] for r in rows]))
                      .values(entity_id=new_id, canonical=label, link_method="user"))
            did = self._record(s, "split", {"entity_id": entity_id, "documents": sorted(set(document_ids)),
                                            "new_id": new_id, "type": typ, "name": label},
                               [list(r[:4]) for r in rows], note)
            return did, new_id, len(rows)

    def add_alias(self, name: str, entity_id: str, note: str | None = None) -> tuple[int, int]:
        """Mentions named ``name`` (normalised, anywhere) link to ``entity_id`` from now on."""
        key = key_of(name)
        if not key:
            raise EntityError("an alias needs at least one word")
        with self._write() as s:
            if not self._known(s, entity_id):
                raise EntityError(f"no entity {entity_id!r} in the store or the knowledge base")
            norm = " ".join(key)
            rows = s.execute(select(mentions.c.id, mentions.c.entity_id, mentions.c.canonical, mentions.c.latin)
                             .where(mentions.c.norm == norm, mentions.c.entity_id != entity_id)).all()
            canonical, latin = self._display(s, entity_id)
            if rows:
                s.execute(update(mentions).where(mentions.c.id.in_([r[0] for r in rows]))
                          .values(entity_id=entity_id, canonical=canonical, latin=latin, link_method="user"))
            did = self._record(s, "alias", {"name": name, "key": list(key), "entity_id": entity_id},
                               [list(r) for r in rows], note)
            return did, len(rows)

    def confirm_entity(self, entity_id: str, name: str | None = None, latin: str | None = None,
                       note: str | None = None) -> tuple[int, int]:
        """A user vouches for an entity (a provisional one found across documents, or a KB link), and
        may give it its display names. Returns (decision id, mentions renamed)."""
        from marsad.kb.entities import romanize

        with self._write() as s:
            if not self._known(s, entity_id):
                raise EntityError(f"no entity {entity_id!r} in the store or the knowledge base")
            rows = []
            if name:
                latin = latin or romanize(name)
                rows = s.execute(select(mentions.c.id, mentions.c.entity_id, mentions.c.canonical, mentions.c.latin)
                                 .where(mentions.c.entity_id == entity_id)).all()
                s.execute(update(mentions).where(mentions.c.entity_id == entity_id)
                          .values(canonical=name, latin=latin, link_confidence=1.0, link_method="user"))
            did = self._record(s, "confirm", {"entity_id": entity_id, "name": name, "latin": latin},
                               [list(r) for r in rows], note)
            return did, len(rows)

    def undo_decision(self, decision_id: int) -> int:
        """Restores the mentions the decision changed and marks it undone, so later runs no longer apply
        it. Mentions written by a re-analysis after the decision are not the ones it changed: they
        lose it at the next ``marsad reanalyse``. Returns the number of mentions restored."""
        with self._write() as s:
            row = s.execute(select(entity_decisions).where(entity_decisions.c.id == decision_id)).mappings().first()
            if row is None:
                raise EntityError(f"no decision {decision_id}")
            if row["undone_at"] is not None:
                raise EntityError(f"decision {decision_id} was already undone")
            restored = 0
            for mid, eid, canonical, latin in row["changed"] or []:
                restored += s.execute(update(mentions).where(mentions.c.id == mid)
                                      .values(entity_id=eid, canonical=canonical, latin=latin)).rowcount or 0
            s.execute(update(entity_decisions).where(entity_decisions.c.id == decision_id).values(undone_at=_now()))
            return restored


__all__ = ["Decision", "EntityDetail", "EntityError", "EntityStoreMixin", "EntitySummary", "provisional_id"]
