"""`kg explain` and `kg eval resolution` through the real CLI."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main
from kg.resolve import resolve
from kg.resolve.report import write_resolution
from tests.resolve.test_resolver import P, doc


def test_explain_prints_decisions_and_fails_cleanly(tmp_path):
    res = resolve([doc("d1", (P, "Antony Blinken")), doc("d2", (P, "Tony Blinken"))])
    write_resolution(res, tmp_path / "resolution.json")
    runner = CliRunner()
    ok = runner.invoke(main, ["explain", "Tony Blinken", "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "Antony Blinken  [Person]  id person/antony-blinken" in ok.output
    assert "nickname" in ok.output
    missing = runner.invoke(main, ["explain", "Nobody", "--out", str(tmp_path)])
    assert missing.exit_code == 1 and "no entity" in missing.output
    nofile = runner.invoke(main, ["explain", "x", "--out", str(tmp_path / "nowhere")])
    assert nofile.exit_code == 1 and "resolution.json" in nofile.output


def test_eval_resolution_on_a_dev_slice(shared_dir):
    result = CliRunner().invoke(
        main, ["eval", "resolution", "--limit", "4", "--json", "--data", str(shared_dir / "data")]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{"):result.output.rindex("}") + 1])
    assert report["found"] > 10
    assert 0.9 <= report["pairwise"]["precision"] <= 1.0
