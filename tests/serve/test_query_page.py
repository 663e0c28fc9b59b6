"""The query page at / in real headless Chromium: run an example, rows appear, screenshot.

Chromium gets a dead proxy for everything but loopback, so the page provably
loads nothing from a CDN. The screenshot goes to ``tmp_path`` and to
``docs/img/sparql-page.png`` when ``KG_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.serve import queries
from tests.browser import headless_chrome

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "img" / "sparql-page.png"


@pytest.fixture(scope="module")
def driver():
    with headless_chrome(window="1400,900") as d:
        yield d


def test_run_an_example_query(driver, server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver.get(server.url + "/")
    wait = WebDriverWait(driver, 30)
    select = wait.until(ec.presence_of_element_located((By.ID, "examples")))
    wait.until(lambda d: len(Select(select).options) == len(queries.EXAMPLES))
    Select(select).select_by_visible_text("Who met whom, with evidence")
    assert "kg:metWith" in driver.find_element(By.ID, "query").get_attribute("value")
    driver.find_element(By.ID, "run").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tbody tr")) > 0)
    headers = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#results thead th")]
    assert headers[:3] == ["person", "other", "location"]
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")]
    assert ["Antony Blinken", "Mark Rutte", "Brussels"] in [r[:3] for r in rows]
    assert any("During a meeting with Rutte in Brussels" in r[3] for r in rows)
    assert "3 rows" in driver.find_element(By.ID, "status").text
    assert driver.save_screenshot(str(tmp_path / "sparql-page.png"))
    if os.environ.get("KG_UPDATE_SCREENSHOTS") == "1":  # refresh the picture in docs/ only on request
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "sparql-page.png", SCREENSHOT)
    assert (tmp_path / "sparql-page.png").stat().st_size > 20_000


def test_a_malformed_query_shows_the_parser_message(driver, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + "/")
    box = driver.find_element(By.ID, "query")
    box.clear()
    box.send_keys("SELECT ?x WHERE { ?x")
    driver.find_element(By.ID, "run").click()
    status = driver.find_element(By.ID, "status")
    WebDriverWait(driver, 30).until(lambda d: "400" in status.text)
    assert "malformed SPARQL query" in status.text
