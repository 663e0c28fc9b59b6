"""``kg build`` writes graph.html beside the other outputs, from the real pipeline."""

from __future__ import annotations

import json
import re

from kg.build import DEFAULT_OUTPUTS, build


def test_build_writes_graph_html_by_default(seed_path, tmp_path):
    assert "html" in DEFAULT_OUTPUTS
    out = tmp_path / "out"
    summary = build([seed_path], out, outputs=["html"])
    assert summary.ok, summary.errors
    page = out / "graph.html"
    assert page in summary.outputs
    html = page.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="kg-data">(.*?)</script>', html, re.S).group(1))
    assert [d["date"] for d in data["docs"]] == ["2024-11-13"]
    names = {n["label"] for n in data["nodes"]}
    assert {"Antony Blinken", "Mark Rutte"} <= names
    blinken = next(n for n in data["nodes"] if n["label"] == "Antony Blinken")
    assert blinken["type"] == "Person" and blinken["ev"]
    for ev in blinken["ev"]:
        sentence = data["sents"][ev["s"]][2]
        assert any(sentence[a:b] in ("Blinken", "Antony Blinken") for a, b, *_ in ev["hl"])
