"""The real Neo4j Browser, in headless Chromium: connect, style with kg.grass, run "who met whom"."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser import headless_chrome

from kg.serve.neo4j_cookbook import COOKBOOK
from neo4j_helpers import ROOT, load_cli, write_jsonl

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]

GRASS = ROOT / "kg" / "static" / "neo4j" / "kg.grass"


class _CORSHandler(SimpleHTTPRequestHandler):
    """Serves kg.grass to the Browser (a cross-origin fetch, so it needs CORS)."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        super().end_headers()

    def do_OPTIONS(self):  # CORS preflight
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # keep the test output clean
        pass


class _HTTP6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@pytest.fixture(scope="module")
def grass_url():
    """kg.grass over http://localhost:PORT/ on 127.0.0.1 and, where there is IPv6, ::1 (loopback only).

    "localhost" is on the Browser's default remote-content allowlist; Chromium may resolve it to either address.
    """
    handler = partial(_CORSHandler, directory=str(GRASS.parent))
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler)]
    port = servers[0].server_address[1]
    try:
        servers.append(_HTTP6(("::1", port), handler))
    except OSError:
        pass  # no IPv6 loopback: Chromium then resolves localhost to 127.0.0.1
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://localhost:{port}/{GRASS.name}"
    for srv in servers:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def chrome():
    # Not offline: the Browser fetches our style from a local server on both loopback addresses.
    with headless_chrome(window="1400,950", network="all", page_load_timeout=120) as drv:
        yield drv


def _wait(fn, timeout=90, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            got = fn()
            if got:
                return got
        except Exception as e:  # noqa: BLE001 — the DOM is still changing; retry until the deadline
            last = e
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what} ({last})")


def _fill(drv, css: str, value: str) -> None:
    """Type `value` into a form field once it can take input.

    The connect form is in the DOM before it is interactable (it slides in), so a found element may still refuse
    keys; retry until the field holds the value.
    """
    from selenium.webdriver.common.by import By

    def typed():
        field = drv.find_element(By.CSS_SELECTOR, css)
        field.clear()
        field.send_keys(value)
        # the address field splits off its scheme ("bolt://") into a picker, so compare the end of the value
        return bool(field.get_attribute("value")) and value.endswith(field.get_attribute("value"))

    _wait(typed, what=f"the field {css} to take input")


def _run_in_editor(drv, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    editor = _wait(lambda: drv.find_element(By.CSS_SELECTOR, "#monaco-main-editor textarea, .monaco-editor textarea"),
                   what="the Cypher editor")
    drv.execute_script("arguments[0].focus()", editor)
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    editor.send_keys(text)
    time.sleep(0.3)
    editor.send_keys(Keys.ENTER)


def test_browser_shows_who_met_whom_graph(neo4j_server, seed_record, chrome, grass_url, tmp_path):
    from selenium.webdriver.common.by import By

    with neo4j_server.driver() as d, d.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    assert load_cli(neo4j_server, write_jsonl(tmp_path / "facts.jsonl", [seed_record])).exit_code == 0

    drv = chrome
    drv.get(f"http://127.0.0.1:{neo4j_server.cfg.http_port}/browser/")
    _fill(drv, "[data-testid=boltaddress]", f"bolt://127.0.0.1:{neo4j_server.cfg.bolt_port}")
    _fill(drv, "[data-testid=username]", "neo4j")
    _fill(drv, "[data-testid=password]", neo4j_server.password)
    _wait(lambda: drv.find_element(By.CSS_SELECTOR, "[data-testid=connect]").click() or True, what="the connect button")
    body = lambda: drv.execute_script("return document.body.textContent")  # noqa: E731 (visible or not)
    try:
        _wait(lambda: "You are connected as user" in body() or "Connected to Neo4j" in body(),
              what="the connection")
        for _attempt in range(3):  # a loaded machine can make the Browser's fetch fail; try again
            _run_in_editor(drv, f":style {grass_url}")
            # the style frame lists the active stylesheet (only its first lines are in the DOM)
            if _wait(lambda: "node.Entity" in body() or "Failed to fetch" in body(), what="the style frame") \
                    and "node.Entity" in body():
                break
            _run_in_editor(drv, ":clear")
            time.sleep(1)
        assert "node.Entity" in body(), "the Browser could not load kg.grass"
    except AssertionError:
        drv.save_screenshot(str(tmp_path / "failure.png"))
        print(f"screenshot: {tmp_path / 'failure.png'}\n{body()[:3000]}")
        raise

    query = " ".join(COOKBOOK["who-met-whom-graph"].cypher.split())
    _run_in_editor(drv, query)

    def rendered():
        nodes = drv.find_elements(By.CSS_SELECTOR, "svg g.node")
        rels = drv.find_elements(By.CSS_SELECTOR, "svg g.relationship")
        return (nodes, rels) if len(nodes) >= 3 and len(rels) >= 2 else None

    nodes, rels = _wait(rendered, what="the result graph")
    time.sleep(3)  # let the force layout settle before the picture
    shot = tmp_path / "neo4j-browser.png"
    drv.save_screenshot(str(shot))
    if os.environ.get("KG_UPDATE_SCREENSHOTS") == "1":  # refresh the picture in docs/ only on request
        img_dir = ROOT / "docs" / "img"
        img_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, img_dir / "neo4j-browser.png")

    captions = {t.text for t in drv.find_elements(By.CSS_SELECTOR, "svg g.node text") if t.text}
    assert any("Blinken" in c for c in captions), captions
    assert any("Rutte" in c for c in captions), captions
    rel_text = {t.text for t in drv.find_elements(By.CSS_SELECTOR, "svg g.relationship text") if t.text}
    assert "MET_WITH" in rel_text, rel_text
    # kg.grass applied: Person nodes are drawn in its Person colour
    fills = {c.get_attribute("fill").lower() for c in drv.find_elements(By.CSS_SELECTOR, "svg g.node circle.b-outline")}
    assert "#4c8eda" in fills, fills
    assert shot.stat().st_size > 20_000
