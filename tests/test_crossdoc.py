"""Across documents: story clustering and event de-duplication, assigned as articles are ingested,
kept across runs, caught up after an interruption, listed by `marsad stories` / `events-grouped`."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, update
from typer.testing import CliRunner

from marsad.cli import app
from marsad.crossdoc import repo
from marsad.crossdoc.event_groups import EventGrouper, Report, event_day
from marsad.document import Event
from marsad.ingest import Item
from marsad.jobs import Ingester, reanalyse
from marsad.store import Store
from marsad.store.schema import documents, events

DAY = "2015-07-21"
# short reports written for these tests: one suicide attack in Aden told by two outlets in different
# words, a student protest in Tunis, and another attack the same day in Taiz (another city)
ADEN_1 = ("مقتل عشرة أشخاص في هجوم انتحاري على سوق في عدن",
          "قتل عشرة أشخاص وأصيب عشرون آخرون في هجوم انتحاري استهدف سوقا شعبيا في مدينة عدن صباح اليوم، "
          "حسب ما أعلنت الشرطة. وقال مصدر أمني إن المهاجم فجر حزامه الناسف وسط المتسوقين.")
ADEN_2 = ("عشرة قتلى في تفجير انتحاري استهدف سوقا بعدن",
          "أعلنت مصادر أمنية مقتل عشرة مدنيين في تفجير انتحاري هز سوقا مزدحما في عدن اليوم. وأضافت المصادر "
          "أن عشرين شخصا أصيبوا بجروح نقلوا إلى المستشفى.")
TUNIS = ("مئات الطلاب يتظاهرون في تونس احتجاجا على الأسعار",
         "تظاهر مئات الطلاب في تونس العاصمة اليوم احتجاجا على ارتفاع الأسعار، ورفعوا شعارات تطالب الحكومة بالتدخل.")
TAIZ = ("مقتل خمسة أشخاص في هجوم على سوق في تعز",
        "قتل خمسة أشخاص في هجوم بقذائف الهاون استهدف سوقا في مدينة تعز اليوم، حسب ما أفاد سكان.")


def item(key: str, report: tuple[str, str], outlet: str, published: str = DAY, extra: str = "") -> Item:
    return Item(key=key, title=report[0], text=report[1] + extra, raw=report[1] + extra, outlet=outlet,
                published=dt.date.fromisoformat(published))


def ingest(store: Store, *items: Item):
    return Ingester(store).run(list(items), "test")


def story_of(store: Store, key: str) -> int | None:
    with store._read() as s:
        return s.execute(documents.select().with_only_columns(documents.c.story_id)
                         .where(documents.c.source == key)).scalar_one()


def groups_of(store: Store, key: str) -> dict[str, set[int]]:
    """Event type -> the groups of the document's events of that type."""
    with store._read() as s:
        rows = s.execute(select(events.c.type, events.c.group_id).join(documents, documents.c.id == events.c.document_id)
                         .where(documents.c.source == key)).all()
    out: dict[str, set[int]] = {}
    for type_, gid in rows:
        out.setdefault(type_, set()).add(gid)
    return out


def test_one_attack_two_outlets_is_one_event_and_one_story(store):
    counts = ingest(store, item("a", ADEN_1, "الأولى"), item("b", ADEN_2, "الثانية"), item("c", TUNIS, "الثالثة"),
                    item("e", TAIZ, "الرابعة"))
    assert counts.stored == 4
    # the two Aden reports: one story, and their ASSAULT reports one event group
    assert story_of(store, "a") == story_of(store, "b")
    assert len({story_of(store, k) for k in "ace"}) == 3
    ga, gb, ge = groups_of(store, "a"), groups_of(store, "b"), groups_of(store, "e")
    assert len(ga["ASSAULT"]) == 1 and ga["ASSAULT"] == gb["ASSAULT"]
    assert not ge["ASSAULT"] & ga["ASSAULT"]  # Taiz is not Aden (about 140 km): another event
    listed = repo.list_groups(store, min_documents=2)
    assert len(listed) == 1
    g = listed[0]
    assert g["type"] == "ASSAULT" and g["n_documents"] == 2 and g["n_reports"] >= 2 and g["date"] == DAY
    assert {r["outlet"] for r in g["reports"]} == {"الأولى", "الثانية"}  # every report and source kept
    c = repo.counts(store)
    assert c["events"] > c["event_groups"] >= 3 and c["stories"] == 3 and c["stories_multi_article"] == 1


def test_grouping_is_incremental_across_runs_and_catches_up(store):
    ingest(store, item("a", ADEN_1, "الأولى"))
    ingest(store, item("c", TUNIS, "الثالثة"))
    ingest(store, item("b", ADEN_2, "الثانية"))  # a new run: the state is read back from the store
    assert story_of(store, "a") == story_of(store, "b") != story_of(store, "c")
    assert groups_of(store, "a")["ASSAULT"] == groups_of(store, "b")["ASSAULT"]
    # a run killed between storing a document and grouping it: the next run assigns it
    with store._write() as s:
        s.execute(update(documents).where(documents.c.source == "b").values(story_id=None))
    ingest(store, item("e", TAIZ, "الرابعة"))
    assert story_of(store, "b") == story_of(store, "a")
    # re-analysis replaces the events (their group ids with them); the next ingest groups them again
    reanalyse(store)
    assert repo.pending(store)[1]
    ingest(store)
    assert not any(repo.pending(store))
    assert groups_of(store, "a")["ASSAULT"] == groups_of(store, "b")["ASSAULT"]


def test_near_duplicate_joins_its_originals_story(store):
    ingest(store, item("a", ADEN_1, "الأولى"),
           item("a2", ADEN_1, "وكالة", extra=" وقال شهود إن سيارات الإسعاف نقلت الجرحى."))
    assert story_of(store, "a") == story_of(store, "a2")


def test_rebuild_gives_the_same_groupings(store):
    ingest(store, item("a", ADEN_1, "الأولى"), item("b", ADEN_2, "الثانية"), item("c", TUNIS, "الثالثة"))
    before = (repo.list_stories(store, min_size=1), repo.list_groups(store, min_documents=1))
    res = CliRunner().invoke(app, ["stories", "--rebuild", "--json", "--db", store.url])
    assert res.exit_code == 0, res.output
    after = (repo.list_stories(store, min_size=1), repo.list_groups(store, min_documents=1))

    def shape(x):  # ids are new after a rebuild; the partition of documents and reports must not be
        stories, groups = x
        return (sorted(tuple(d["id"] for d in s["documents"]) for s in stories),
                sorted((g["type"], tuple(sorted((r["document"], r["trigger"]) for r in g["reports"]))) for g in groups))
    assert shape(before) == shape(after)


def test_cli_lists_and_stats(store):
    ingest(store, item("a", ADEN_1, "الأولى"), item("b", ADEN_2, "الثانية"), item("c", TUNIS, "الثالثة"))
    r = CliRunner().invoke(app, ["stories", "--json", "--db", store.url])
    stories = json.loads(r.output)
    assert [len(s["documents"]) for s in stories] == [2]
    r = CliRunner().invoke(app, ["events-grouped", "--type", "assault", "--db", store.url])
    assert r.exit_code == 0 and "ASSAULT" in r.output and "الأولى" in r.output
    r = CliRunner().invoke(app, ["stats", "--json", "--db", store.url])
    s = json.loads(r.output)
    assert s["event_groups"] < s["events"] and s["event_groups_multi_report"] == 1 and s["stories"] == 2


def _event(type_: str, day: str | None, loc: dict | None, source=(), target=(), mode=None) -> Event:
    return Event(type=type_, trigger="x", trigger_start=0, trigger_end=1, sentence_start=0, sentence_end=1,
                 mode=mode, source=[{"text": s, "entity_id": s} for s in source],
                 target=[{"text": t, "entity_id": t} for t in target], location=loc,
                 date={"text": "اليوم", "value": day, "from": "sentence"} if day else None)


def test_event_rules():
    """The compatibility rules on hand-made reports, placed where the pipeline places the Aden attack."""
    from marsad.document import Document
    from marsad.pipeline.pipeline import default_pipeline

    doc = default_pipeline()(Document(id="t", text=ADEN_1[1], published=dt.date(2015, 7, 21)))
    aden = next(e.location for e in doc.events if e.type == "ASSAULT")
    assert aden["geo_precision"] == 1 and aden["country"] == "YEM" and aden["from"] == "sentence"
    yemen = {**aden, "entity_id": "country:YEM", "geo_precision": 3, "text": "اليمن"}
    g = EventGrouper()

    def add(e: Event, gid: int) -> int:
        r = Report.of(e, dt.date(2015, 7, 21))
        m = g.match(r)
        g.put(g.joined(g.groups.get(m) if m else None, None if m else gid, r, True))
        return m or gid

    first = add(_event("ASSAULT", "2015-07-21", aden, target=["org:houthis"]), 1)
    assert add(_event("ASSAULT", "2015-07-22", aden, target=["org:houthis"]), 2) == first  # next day, same place
    assert add(_event("FIGHT", "2015-07-21", aden, target=["org:houthis"]), 3) == 3  # another type
    assert add(_event("ASSAULT", "2015-07-21", aden, mode="negated"), 4) == 4  # a denial is not the attack
    assert add(_event("ASSAULT", "2015-07-25", aden, target=["org:houthis"]), 5) == 5  # outside the window
    assert add(_event("ASSAULT", "2015-07-21", aden, target=["org:islamic-state"]), 6) == 6  # other target
    assert add(_event("ASSAULT", "2015-07-21", yemen), 7) == 7  # only a country, no shared actor
    assert add(_event("ASSAULT", "2015-07-21", yemen, target=["org:houthis"]), 8) == first  # country + actor
    assert add(_event("ASSAULT", "2015-07", aden, target=["org:houthis"]), 9) == 9  # month only: not merged
    assert event_day(_event("ASSAULT", "2015-07-21TMO", aden), None) == dt.date(2015, 7, 21).toordinal()
    assert event_day(_event("ASSAULT", None, aden), dt.date(2015, 7, 20)) == dt.date(2015, 7, 20).toordinal()
