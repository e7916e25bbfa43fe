"""CrossDoc: the Ingester's hook after a document is stored — its story, and a group for each of its
events, written in one transaction. A document left without them (a killed run, ``reanalyse``
replacing its events) is caught up at the start of the next ingest (``catch_up``)."""
from __future__ import annotations

from typing import Any

from marsad.crossdoc import repo
from marsad.crossdoc.event_groups import EventGrouper, Report
from marsad.crossdoc.stories import StoryIndex, doc_entities, story_vector
from marsad.document import Document
from marsad.store import Store

_COMPUTE = object()  # "compute the story vector here" (the Dask workers pass theirs)


class CrossDoc:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._load()

    def _load(self) -> None:
        self.stories = StoryIndex()
        self.groups = EventGrouper()
        for story in repo.load_stories(self.store):
            self.stories.put_story(story)
        for doc_id, sid, sig in repo.load_members(self.store):
            self.stories.put_member(doc_id, sid, sig)
        for g in repo.load_groups(self.store):
            self.groups.put(g)

    def add(self, doc: Document, signature: bytes | None, duplicate_of: str | None,
            vector: Any = _COMPUTE, *, story: bool = True, events: bool = True) -> int | None:
        """Assigns the stored ``doc`` to a story and its events to groups; returns the story id."""
        if vector is _COMPUTE:
            vector = story_vector(doc) if story else None
        entities = doc_entities(doc)
        try:
            with self.store._write() as s:
                sid = None
                if story:
                    dec = self.stories.decide(published=doc.published, signature=signature, vector=vector,
                                              entities=entities, duplicate_of=duplicate_of)
                    old = self.stories.stories.get(dec.story_id) if dec.story_id is not None else None
                    new_id = repo.new_story(s, doc.title) if old is None else None
                    st = self.stories.updated(old, new_id, title=doc.title, published=doc.published,
                                              vector=vector, entities=entities)
                    repo.save_story(s, st, doc.id)
                    self.stories.put_story(st)
                    self.stories.put_member(doc.id, st.id, signature)
                    sid = st.id
                if events:
                    touched: dict[int, Any] = {}
                    for seq, e in enumerate(doc.events):
                        r = Report.of(e, doc.published)
                        gid = self.groups.match(r)
                        g = self.groups.groups.get(gid) if gid is not None else None
                        new_id = repo.new_group(s, r.type) if g is None else None
                        g2 = self.groups.joined(g, new_id, r, new_document=gid not in touched)
                        self.groups.put(g2)
                        touched[g2.id] = g2
                        repo.set_group(s, doc.id, seq, g2.id)
                    for g2 in touched.values():
                        repo.save_group(s, g2)
        except BaseException:
            self._load()  # the transaction rolled back: the memory state must not keep its changes
            raise
        return sid

    def catch_up(self) -> int:
        """Assigns what a previous run left out; returns the number of documents touched."""
        no_story, no_group = repo.pending(self.store)
        todo = {d: [True, False] for d in no_story}
        for d in no_group:
            todo.setdefault(d, [False, False])[1] = True
        for doc_id, (st, ev) in todo.items():
            doc = self.store.get_document(doc_id)
            if doc is None:
                continue
            sig, dup = repo.document_keys(self.store, doc_id)
            self.add(doc, sig, dup, story=st, events=ev)
        return len(todo)

    def rebuild(self) -> int:
        """Forgets every story and event group and assigns all stored documents again, in ingest order."""
        repo.clear(self.store)
        self._load()
        return self.catch_up()
