"""graph.html in real headless Chromium: nodes render, a click on Blinken shows his sentences.

The page is loaded from ``file://`` with the network disabled at the browser
level (no proxy resolution, no background networking), which also proves it
needs no CDN. A screenshot goes to ``tmp_path`` (and to ``docs/img/graph-html.png``
with ``KG_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from kg.sinks.html_sink import HTMLWriter
from tests.browser import headless_chrome
from tests.sinks.seed_records import ROOT, hostile_extraction, seed_extraction

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "img" / "graph-html.png"


@pytest.fixture(scope="module")
def driver():
    with headless_chrome(window="1500,900", network="none", extra=("--hide-scrollbars",)) as d:
        yield d


def _load(driver, path: Path, timeout: float = 60.0) -> None:
    driver.get(path.resolve().as_uri())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script("return !!(window.kg && window.kg.isReady())"):
            return
        time.sleep(0.1)
    errors = driver.execute_script("return document.title + ' | ' + document.body.innerText.slice(0, 300)")
    pytest.fail(f"graph.html did not finish its layout within {timeout}s: {errors}")


def _canvas_painted(driver) -> int:
    """Count distinct colours sampled over the canvas: a blank canvas has one."""
    return driver.execute_script(
        """
        const c = document.querySelector('#kg-graph canvas');
        const ctx = c.getContext('2d');
        const img = ctx.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < img.length; i += 4 * 97) seen.add(img[i] + ',' + img[i+1] + ',' + img[i+2] + ',' + img[i+3]);
        return seen.size;
        """
    )


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("viz") / "graph.html"
    with HTMLWriter(path, title="kg: seed article") as w:
        w.write(seed_extraction())
    return path


def test_seed_nodes_render_and_click_on_blinken_shows_his_sentences(driver, seed_page, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _load(driver, seed_page)

    shown = set(driver.execute_script("return window.kg.nodeView.getIds()"))
    for eid in ("person/antony-blinken", "person/mark-rutte", "person/pat-ryder",
                "organization/pentagon", "organization/nato", "location/brussels"):
        assert eid in shown
    # Statements are nodes of their own, linked from their speaker.
    edges = driver.execute_script(
        "return window.kg.edgeView.get().map(e => [e.from, window.kg.data.edges.find(x => x.id === e.id).predicate, e.to])")
    assert ["person/antony-blinken", "metWith", "person/mark-rutte"] in edges
    assert ["person/pat-ryder", "worksFor", "organization/pentagon"] in edges
    said = [e for e in edges if e[0] == "person/antony-blinken" and e[1] == "said"]
    assert len(said) == 4
    assert _canvas_painted(driver) > 5

    # A real mouse click at Blinken's position on the canvas.
    x, y = driver.execute_script(
        """
        const net = window.kg.network, id = 'person/antony-blinken';
        const p = net.canvasToDOM(net.getPositions([id])[id]);
        return [p.x, p.y];
        """
    )
    canvas = driver.find_element(By.CSS_SELECTOR, "#kg-graph canvas")
    w, h = canvas.size["width"], canvas.size["height"]
    assert 0 < x < w and 0 < y < h
    ActionChains(driver).move_to_element_with_offset(canvas, int(x - w / 2), int(y - h / 2)).click().perform()

    panel = driver.find_element(By.ID, "kg-panel")
    deadline = time.monotonic() + 10
    while panel.get_attribute("data-node") != "person/antony-blinken" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert panel.get_attribute("data-node") == "person/antony-blinken"
    assert panel.find_element(By.TAG_NAME, "h2").text == "Antony Blinken"
    evidence = [p.text for p in panel.find_elements(By.CSS_SELECTOR, ".kg-ev")]
    assert any(s.startswith("During a meeting with Rutte in Brussels, Blinken warned") for s in evidence)
    assert any(s.startswith("Blinken reaffirmed that the outgoing Biden administration") for s in evidence)
    marks = {m.text for m in panel.find_elements(By.CSS_SELECTOR, ".kg-ev mark")}
    assert {"Blinken", "Antony Blinken"} <= marks
    # The document is named with its title and date.
    assert "US Secretary of State assures NATO Secretary General" in panel.text
    assert "2024-11-13" in panel.text

    # Follow the metWith fact: the edge panel quotes the sentence with the location qualifier.
    panel.find_element(By.XPATH, ".//button[normalize-space()='→ metWith']").click()
    assert "During a meeting with Rutte in Brussels" in panel.text
    assert "location: Brussels" in panel.text
    assert panel.get_attribute("data-edge")

    # A statement node: speaker, cue, content; its "said" edge quotes the statement's sentence.
    ryder = driver.execute_script(
        "return window.kg.data.nodes.find(n => n.type === 'Statement' && n.stmt.cue === 'reported').id")
    driver.execute_script("window.kg.select(arguments[0])", ryder)
    deadline = time.monotonic() + 10
    while panel.get_attribute("data-node") != ryder and time.monotonic() < deadline:
        time.sleep(0.1)
    quote = panel.find_element(By.CSS_SELECTOR, ".kg-quote").text
    assert quote.startswith("the US has delivered 83% of the promised munitions, 67%")
    assert "83% of the promised munitions" in panel.text  # quantities
    panel.find_element(By.XPATH, ".//button[normalize-space()='← said']").click()
    assert "Earlier, Pentagon spokesperson Pat Ryder reported" in panel.text
    assert {m.text for m in panel.find_elements(By.CSS_SELECTOR, ".kg-ev mark.cue")} == {"reported"}

    # Back to Blinken, for the screenshot.
    driver.execute_script("window.kg.select('person/antony-blinken')")
    ActionChains(driver).move_to_element(driver.find_element(By.ID, "kg-header")).perform()
    driver.execute_script("document.querySelectorAll('.vis-tooltip').forEach(t => t.style.visibility = 'hidden')")
    time.sleep(0.6)
    assert driver.save_screenshot(str(tmp_path / "graph-html.png"))
    assert (tmp_path / "graph-html.png").stat().st_size > 20_000


def test_real_seed_build_page(driver, seed_path, tmp_path):
    """The page `kg build seeds/` writes, from the real pipeline: search Blinken, read his sentences."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from kg.build import build

    summary = build([seed_path], tmp_path / "out", outputs=["html"])
    assert summary.ok, summary.errors
    _load(driver, tmp_path / "out" / "graph.html")
    shown = set(driver.execute_script("return window.kg.nodeView.getIds()"))
    assert {"person/antony-blinken", "person/mark-rutte", "person/pat-ryder", "organization/pentagon"} <= shown
    assert _canvas_painted(driver) > 5

    driver.find_element(By.ID, "kg-search").send_keys("Blinken", Keys.ENTER)
    panel = driver.find_element(By.ID, "kg-panel")
    deadline = time.monotonic() + 10
    while panel.get_attribute("data-node") != "person/antony-blinken" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert panel.find_element(By.TAG_NAME, "h2").text == "Antony Blinken"
    evidence = [p.text for p in panel.find_elements(By.CSS_SELECTOR, ".kg-ev")]
    assert any("During a meeting with Rutte in Brussels, Blinken warned" in s for s in evidence)
    assert "2024-11-13" in panel.text
    facts = [li.text for li in panel.find_elements(By.CSS_SELECTOR, ".kg-facts li")]
    assert any(f.startswith("→ metWith") and "Mark Rutte" in f for f in facts)

    driver.execute_script("document.getElementById('kg-search').blur()")
    ActionChains(driver).move_to_element(driver.find_element(By.ID, "kg-header")).perform()
    driver.execute_script("document.querySelectorAll('.vis-tooltip').forEach(t => t.style.visibility = 'hidden')")
    time.sleep(0.6)
    assert driver.save_screenshot(str(tmp_path / "graph-html.png"))
    if os.environ.get("KG_UPDATE_SCREENSHOTS") == "1":  # refresh the picture in docs/ only on request
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "graph-html.png", SCREENSHOT)
    assert (tmp_path / "graph-html.png").stat().st_size > 20_000


def test_search_filters_and_hidden_count(driver, tmp_path):
    path = tmp_path / "graph.html"
    with HTMLWriter(path, max_nodes=5) as w:
        w.write(seed_extraction())
    _load(driver, path)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    total = driver.execute_script("return window.kg.data.nodes.length")
    assert driver.execute_script("return window.kg.nodeView.length") == 5
    hidden = driver.find_element(By.ID, "kg-hidden").text
    assert f"Showing 5 of {total} nodes." in hidden and f"{total - 5} hidden" in hidden

    # Search brings a hidden low-degree node in and shows its evidence.
    assert "location/brussels" not in driver.execute_script("return window.kg.nodeView.getIds()")
    box = driver.find_element(By.ID, "kg-search")
    box.send_keys("bruss", Keys.ENTER)
    panel = driver.find_element(By.ID, "kg-panel")
    deadline = time.monotonic() + 20
    while panel.get_attribute("data-node") != "location/brussels" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "location/brussels" in driver.execute_script("return window.kg.nodeView.getIds()")
    assert "During a meeting with Rutte in Brussels" in panel.text

    # Type filter: no Statement nodes left on screen after unticking it.
    driver.find_element(By.CSS_SELECTOR, "input[data-type='Statement']").click()
    types = driver.execute_script(
        "return window.kg.nodeView.getIds().map(id => window.kg.data.nodes.find(n => n.id === id).type)")
    assert types and "Statement" not in types
    # Predicate filter: hide worksFor edges.
    driver.find_element(By.CSS_SELECTOR, "input[data-predicate='worksFor']").click()
    preds = driver.execute_script(
        "return window.kg.edgeView.getIds().map(id => window.kg.data.edges.find(e => e.id === id).predicate)")
    assert "worksFor" not in preds
    # Date filter: a range after the seed's date hides every dated node.
    driver.execute_script(
        "const f = document.getElementById('kg-date-from'); f.value = '2025-01-01';"
        "f.dispatchEvent(new Event('change'));")
    assert driver.execute_script("return window.kg.nodeView.length") == 0


def test_hostile_names_stay_text(driver, tmp_path):
    path = tmp_path / "graph.html"
    with HTMLWriter(path) as w:
        w.write(hostile_extraction())
    _load(driver, path)
    assert driver.execute_script("return window.__pwned === undefined")
    name = driver.execute_script("return window.kg.data.nodes.find(n => n.type === 'Organization').label")
    assert name.startswith("Evil </script><script>window.__pwned=1</script> \"Quote' & <b>Co</b>")
    driver.execute_script("window.kg.showNode(window.kg.data.nodes.find(n => n.type === 'Organization').id)")
    from selenium.webdriver.common.by import By

    h2 = driver.find_element(By.CSS_SELECTOR, "#kg-panel h2")
    assert "</script>" in h2.text and not h2.find_elements(By.TAG_NAME, "b")
    assert driver.execute_script("return window.__pwned === undefined")
