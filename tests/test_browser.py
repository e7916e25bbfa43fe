"""The web interface in a real browser: Debian's chromium driven by Playwright against a uvicorn server over
a database holding the five sample articles.

Screenshots go to tests/artifacts/ (gitignored) so a person can look at the Arabic right-to-left rendering.
Never runs ``playwright install``: the browser is /usr/bin/chromium; without it these tests fail (CI installs
it in .ci/run).
"""
from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parent / "artifacts"
SAMPLES = Path(__file__).resolve().parents[1] / "src" / "marsad" / "samples"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, API key of a user of organisation "newsroom") of a live server over the samples."""
    import uvicorn

    from marsad.api.app import create_app
    from marsad.jobs import ingest_paths
    from marsad.store import Store

    # SQLite only: these tests are about the pages in a real browser; the data layer under them runs on
    # PostgreSQL too in test_web, test_api and test_access_routes (the same routes over HTTP)
    db = f"sqlite:///{tmp_path_factory.mktemp('web') / 'marsad.db'}"
    with Store(db) as store:
        counts = ingest_paths(store, [str(SAMPLES)])
        assert counts.stored == 5
        store.create_user("amina", "newsroom")
        key = store.create_api_key("amina")
    port = _free_port()
    config = uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", key
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    pg.js_errors = errors  # type: ignore[attr-defined]
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors or dialogs: {errors}"


def shot(page, name: str, full_page: bool = False) -> None:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")


def login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#api_key", key)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "amina" in page.inner_text("header")


def test_search_with_facets_rtl(server, page):
    base, _ = server
    page.goto(f"{base}/?q=الجزائر")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    hits = page.locator("li.hit")
    assert hits.count() >= 2
    # in a right-to-left page the results column sits left of the facets column
    facets_box = page.locator("aside.facets").bounding_box()
    results_box = page.locator("section.results").bounding_box()
    assert facets_box["x"] > results_box["x"]
    # facet: narrow by an event type the page offers, and the count it promised is what comes back
    link = page.locator("section.facet[data-facet='type'] a").first
    promised = int(link.locator("xpath=following-sibling::span[@class='count']").inner_text())
    link.click()
    page.wait_for_load_state()
    assert "type=" in page.url
    assert page.locator("li.hit").count() == promised
    assert page.locator(".tlp").first.inner_text().startswith("TLP:")
    shot(page, "search")


def test_article_highlights_and_entity(server, page):
    base, _ = server
    page.goto(f"{base}/?q=القذافي")
    page.locator("li.hit h3 a").first.click()
    page.wait_for_load_state()
    assert page.locator(".text .hl-mention").count() >= 3
    assert page.locator(".text .hl-date").count() >= 1
    assert page.locator(".text .hl-claim").count() >= 1
    assert page.locator(".text .hl-event").count() >= 1
    assert page.locator("aside.annotations").inner_text().count("بحسب") >= 1  # events carry their claim's source
    # a highlight points at its entry in the side list, and the entry back at the highlight
    first = page.locator(".text a.hl-mention").first
    ref = first.get_attribute("data-ref")
    first.click()
    assert page.url.endswith(f"#l-{ref}")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "article")
    page.locator(".text p").first.screenshot(path=str(ARTIFACTS / "article-text.png"))
    # open the entity of a person mention from the side list
    page.locator("aside.annotations a.ent").first.click()
    page.wait_for_load_state()
    assert "/entities/" in page.url
    assert page.locator("h1").inner_text().strip()
    assert page.locator("text=المقالات").count() >= 1
    shot(page, "entity")


def test_entity_page_actor(server, page):
    base, _ = server
    page.goto(f"{base}/entities/country:DZA")
    body = page.inner_text("main")
    assert "الجزائر" in body and "Algeria" in body
    assert page.locator("ol.evlist li").count() >= 2
    assert page.locator("svg rect.bar").count() >= 1
    shot(page, "entity-algeria")


def test_network_and_map_render_data(server, page):
    base, _ = server
    page.goto(f"{base}/network")
    assert page.locator("#network circle").count() >= 3
    assert page.locator("#network line.edge").count() >= 2
    shot(page, "network")
    page.goto(f"{base}/map")
    page.wait_for_selector("#map[data-world=loaded]", timeout=10000)
    assert int(page.get_attribute("#map", "data-markers")) >= 5
    assert page.locator("path.place-marker").count() >= 3
    assert page.locator("path.event-marker").count() >= 3
    assert page.locator(".leaflet-overlay-pane path").count() > 100  # country outlines drawn
    page.locator("path.place-marker").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content a")
    shot(page, "map")


def test_timeline_and_events(server, page):
    base, _ = server
    page.goto(f"{base}/timeline")
    assert page.locator("svg rect.bar").count() >= 2
    shot(page, "timeline")
    page.goto(f"{base}/events?type=COOPERATE")
    rows = page.locator("table.events tbody tr")
    assert rows.count() >= 1
    assert all(t == "COOPERATE" for t in page.locator("table.events .etype").all_inner_texts())
    with page.expect_download() as dl:
        page.click("a[download]")
    csv_text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.count("\n") - 1 == rows.count()
    shot(page, "events")


def test_upload_is_analysed_and_html_stays_text(server, page, tmp_path):
    base, key = server
    login(page, base, key)
    article = tmp_path / "upload.txt"
    article.write_text("هجوم على ثكنة في تمنراست\n"
                       "قال مصدر أمني لوكالة الأنباء الجزائرية إن مسلحين هاجموا ثكنة للجيش في تمنراست يوم 3 مارس 2014 "
                       "وقتلوا 4 جنود. <script>alert('x')</script> وكتب أحدهم <b>تحذير</b> على الجدار.\n",
                       encoding="utf-8")
    page.goto(f"{base}/ingest")
    page.set_input_files("input[name=files]", str(article))
    page.check("input[name=tlp][value=AMBER]")
    page.click("#ingest-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/documents/d[0-9a-f]+$"), timeout=30000)
    text = page.inner_text(".text")
    assert "<script>alert('x')</script>" in text and "<b>تحذير</b>" in text
    assert page.locator(".text script, .text b").count() == 0
    assert "TLP:AMBER" in page.inner_text("article header")
    assert page.locator(".text .hl-mention").count() >= 1  # analysed: تمنراست at least
    assert page.locator(".text .hl-date").count() >= 1
    shot(page, "uploaded")
    # not logged in, the AMBER article is not there
    doc_url = page.url
    page.click("header form[action='/logout'] button")
    page.wait_for_url(f"{base}/")
    assert page.goto(doc_url).status == 404
