"""``kg eval`` through click's CliRunner on small slices of the real dev data."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main


def test_conll04_table(data_root, nlp):
    result = CliRunner().invoke(main, ["eval", "conll04", "--split", "dev", "--limit", "5", "--data", str(data_root)])
    assert result.exit_code == 0, result.output
    assert "CoNLL04 dev: 5 sentences" in result.stdout
    for heading in ("relations, boundaries", "relations, strict", "entities (exact span and type)", "Work_For", "macro"):
        assert heading in result.stdout
    assert "kg eval conll04 --split dev: 5 sentences" in result.stderr  # summary line on stderr


def test_conll04_json_ner_finds_entities(data_root, nlp):
    result = CliRunner().invoke(main, ["eval", "conll04", "--limit", "5", "--json", "--data", str(data_root)])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["sentences"] == 5
    assert set(d["strict"]["per_type"]) == {"Work_For", "Live_In", "Located_In", "OrgBased_In", "Kill"}
    assert d["ner"]["micro"]["n_gold"] > 0 and d["ner"]["micro"]["tp"] > 0  # spaCy finds some gold entities


def test_polnear_table_and_json(data_root, nlp):
    runner = CliRunner()
    result = runner.invoke(main, ["eval", "polnear", "--limit", "2", "--data", str(data_root)])
    assert result.exit_code == 0, result.output
    assert "PolNeAR dev: 2 articles, system kg" in result.stdout
    assert "attribution (Dice>=0.5)" in result.stdout and "content tokens" in result.stdout
    result = runner.invoke(main, ["eval", "polnear", "--limit", "2", "--json", "--data", str(data_root)])
    d = json.loads(result.stdout)
    assert d["articles"] == 2 and d["attribution"]["n_gold"] > 0


def test_textacy_baseline_finds_quotes(data_root, nlp):
    result = CliRunner().invoke(
        main, ["eval", "polnear", "--baseline", "textacy", "--limit", "2", "--json", "--data", str(data_root)]
    )
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["system"] == "textacy"
    assert d["attribution"]["tp"] > 0 and d["cue"]["tp"] > 0


def test_missing_data_dir_exits_1(tmp_path, monkeypatch):
    monkeypatch.delenv("KG_DATA", raising=False)
    missing = tmp_path / "nope"
    result = CliRunner().invoke(main, ["eval", "polnear", "--data", str(missing)])
    assert result.exit_code == 1
    assert f"evaluation data directory '{missing}' (from --data) does not exist" in result.stderr
    monkeypatch.setenv("KG_DATA", str(missing))
    result = CliRunner().invoke(main, ["eval", "conll04"])
    assert result.exit_code == 1 and "(from KG_DATA)" in result.stderr


def test_missing_split_names_the_corpus(tmp_path):
    (tmp_path / "conll04").mkdir()
    result = CliRunner().invoke(main, ["eval", "conll04", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "dev.jsonl" in result.stderr and "not found" in result.stderr
