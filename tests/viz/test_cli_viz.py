"""``kg viz`` through click's CliRunner: a build directory or a .jsonl file in, graph.html out."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from kg.cli import main
from tests.sinks.seed_records import seed_extraction


def _config(path):
    html = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'id="kg-config">(.*?)</script>', html, re.S).group(1))


def test_viz_build_dir_default_output(tmp_path):
    (tmp_path / "extractions.jsonl").write_text(seed_extraction().to_json() + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["viz", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "graph.html").is_file()
    assert "18 nodes, 21 edges from 1 documents" in result.output
    assert _config(tmp_path / "graph.html") == {"maxNodes": 300}


def test_viz_jsonl_with_output_and_cap(tmp_path):
    src = tmp_path / "facts.jsonl"
    src.write_text(seed_extraction().to_json() + "\n", encoding="utf-8")
    out = tmp_path / "site" / "seed.html"
    result = CliRunner().invoke(main, ["viz", str(src), "-o", str(out), "--max-nodes", "5"])
    assert result.exit_code == 0, result.output
    assert _config(out) == {"maxNodes": 5}
    assert "5 shown at first" in result.output


def test_viz_errors_name_the_file_and_line(tmp_path):
    src = tmp_path / "facts.jsonl"
    src.write_text(seed_extraction().to_json() + "\n[1, 2]\n", encoding="utf-8")
    out = tmp_path / "graph.html"
    result = CliRunner().invoke(main, ["viz", str(src), "-o", str(out)])
    assert result.exit_code == 1
    assert re.search(r"kg: error: .*facts\.jsonl:2: not an extraction record", result.output)
    assert not out.exists()

    result = CliRunner().invoke(main, ["viz", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["viz", str(src), "--max-nodes", "0"])
    assert result.exit_code == 2
