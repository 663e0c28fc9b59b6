"""``kg train statements|relations|entities`` end to end on a tiny slice (the code path, not the quality)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import main

TINY = {
    "statements": """
[data]
split = "train"
[crf]
algorithm = "lbfgs"
c1 = 0.05
c2 = 0.01
max_iterations = 5
[decode]
policy = "model"
""",
    "entities": """
[data]
split = "train"
[crf]
algorithm = "lbfgs"
c1 = 0.1
c2 = 0.01
max_iterations = 5
""",
    "relations": """
[data]
split = "train"
[maxent]
algorithm = "lbfgs"
c1 = 0.1
c2 = 0.01
max_iterations = 5
[decide]
threshold = 0.5
""",
}


@pytest.fixture()
def data_dir():
    from pathlib import Path

    here = Path(__file__).resolve()
    for p in (here.parents[2].parent / "shared" / "data", here.parents[3].parent / "shared" / "data"):
        if p.exists():
            return p
    pytest.skip("../shared/data not found")


@pytest.mark.parametrize("name,limit", [("statements", 2), ("relations", 25), ("entities", 25)])
def test_train_tiny_slice_writes_a_loadable_model(name, limit, tmp_path, data_dir, monkeypatch):
    from kg.nlp import trained

    monkeypatch.setenv("KG_CACHE", str(tmp_path / "cache"))
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(TINY[name], encoding="utf-8")
    out = tmp_path / "models"
    result = CliRunner().invoke(main, ["train", name, "--config", str(cfg), "--data", str(data_dir),
                                       "--out", str(out), "--limit", str(limit)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert meta["seconds"]["total"] > 0
    assert sum(meta["label_counts"].values()) > 0
    assert meta["config"][("maxent" if name == "relations" else "crf")]["max_iterations"] == 5
    loaded = trained.load(name, out)
    assert set(loaded.tagger.labels()) <= set(meta["label_counts"])
    # the parse cache is reused by a second run
    assert list((tmp_path / "cache").glob("*.spacy"))


def test_train_bad_config_is_one_clear_error(tmp_path, data_dir):
    bad = tmp_path / "bad.toml"
    bad.write_text("[crf\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "statements", "--config", str(bad), "--data", str(data_dir),
                                       "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "not valid TOML" in result.output


def _train_tiny_relations(tmp_path, data_dir, monkeypatch, extra_toml: str):
    """``kg train relations`` on 25 CoNLL04 sentences with the tiny config plus ``extra_toml``: (out dir, meta)."""
    monkeypatch.setenv("KG_CACHE", str(tmp_path / "cache"))
    cfg = tmp_path / "relations.toml"
    cfg.write_text(TINY["relations"] + extra_toml, encoding="utf-8")
    out = tmp_path / "models"
    result = CliRunner().invoke(main, ["train", "relations", "--config", str(cfg), "--data", str(data_dir),
                                       "--out", str(out), "--limit", "25"])
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "relations.json").read_text(encoding="utf-8"))

def test_train_relations_with_dense_features_records_them_and_predicts(tmp_path, data_dir, monkeypatch, nlp):
    """[features] set = "v3" (sparse templates + the pipeline's token vectors): the meta records the set and the
    scale, and the loaded model classifies pairs with the same features at run time."""
    from kg.nlp import trained
    from kg.nlp.trained import relations

    out, meta = _train_tiny_relations(tmp_path, data_dir, monkeypatch, '[features]\nset = "v3"\ndense_scale = 0.3\n')
    assert (meta["features"], meta["dense_scale"]) == ("v3", 0.3)
    loaded = trained.load("relations", out)
    assert any(a.startswith("a1:") for a, _ in loaded.tagger.info().state_features)
    doc = nlp("John Smith, the president of Acme Corp., lives in Dallas.")
    spans = [e for e in doc.ents]
    scores = relations.score_pairs(loaded.tagger, doc, spans, features=relations.features_of(meta), threshold=0.0)
    assert scores and all(abs(sum(p.values()) - 1.0) < 1e-6 for p in scores.values())


def test_train_relations_bagging_writes_members_that_load_as_one_averaged_model(tmp_path, data_dir, monkeypatch,
                                                                                  nlp):
    """[ensemble] bags = 2: two more models on bootstrap samples of the sentences, listed in the meta's members;
    loaded, the three answer as one tagger whose probabilities are the mean of theirs."""
    import pycrfsuite

    from kg.nlp import trained
    from kg.nlp.trained import relations

    out, meta = _train_tiny_relations(tmp_path, data_dir, monkeypatch, '[features]\nset = "v2"\n[ensemble]\nbags = 2\n')
    assert meta["members"] == ["relations.bag1.crfsuite", "relations.bag2.crfsuite"]
    loaded = trained.load("relations", out)
    assert isinstance(loaded.tagger, trained.AveragedTagger)
    doc = nlp("John Smith, the president of Acme Corp., lives in Dallas.")
    spans = list(doc.ents)
    scores = relations.score_pairs(loaded.tagger, doc, spans, features=relations.features_of(meta), threshold=0.0)
    assert scores
    singles = []
    for name in ["relations.crfsuite", *meta["members"]]:
        t = pycrfsuite.Tagger()
        t.open(str(out / name))
        singles.append(t)
    for (subj, obj), probs in scores.items():
        e1 = next(s for s in spans if (s.start, s.end) == subj)
        e2 = next(s for s in spans if (s.start, s.end) == obj)
        from kg.nlp.entities import entity_type

        feats = relations.features_of(meta)(doc, e1, entity_type(e1), e2, entity_type(e2))
        for label, p in probs.items():
            mean = 0.0
            for t in singles:
                t.set([feats])
                mean += t.marginal(label, 0) if label in t.labels() else 0.0
            assert abs(p - mean / len(singles)) < 1e-9
        assert abs(sum(probs.values()) - 1.0) < 1e-6


def test_bootstrap_samples_are_seeded_and_differ_between_bags():
    from kg.train.relations import bootstrap_samples

    a, b = bootstrap_samples(50, 2, 0)
    assert (a, b) == tuple(bootstrap_samples(50, 2, 0))
    assert a != b and len(set(a)) < 50  # drawn with replacement
    assert bootstrap_samples(50, 2, 1) != [a, b]


def test_train_encoder_without_torch_is_one_clear_error(tmp_path, data_dir):
    pytest.importorskip("tokenizers")
    try:
        import torch  # noqa: F401
        pytest.skip("torch is installed here: the missing-stack message cannot be shown")
    except ImportError:
        pass
    result = CliRunner().invoke(main, ["train", "encoder", "--data", str(data_dir), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "kg train encoder needs torch" in result.output and "kg[train-encoder]" in result.output
    assert not list(tmp_path.iterdir())


def test_encoder_export_round_trips_through_the_numpy_runtime(tmp_path):
    """A random state dict of the shipped shapes, exported as int8 rows, loads back within one quantization step."""
    import numpy as np

    from kg.nlp.trained import MODEL_DIR, pair_encoder
    from kg.train.encoder import export

    rng = np.random.default_rng(0)
    with np.load(MODEL_DIR / "relations-encoder.npz") as shipped:
        shapes = {k.removesuffix(".q").removesuffix(".f16"): shipped[k].shape
                  for k in shipped.files if not k.endswith(".scale")}
    state = {k: rng.normal(0, 0.05, shape).astype(np.float32) for k, shape in shapes.items()}
    base = tmp_path / "base"
    base.mkdir()
    (base / "tokenizer.json").write_bytes((MODEL_DIR / "relations-encoder.tokenizer.json").read_bytes())
    (base / "config.json").write_text(json.dumps({"num_hidden_layers": 6, "num_attention_heads": 12,
                                                  "layer_norm_eps": 1e-12}), encoding="utf-8")
    out = tmp_path / "models"
    export(state, out, {"weight": 0.25, "gate": 0.3, "seed": 7}, base_dir=base)

    enc = pair_encoder.load(out)
    assert enc.weight == 0.25 and enc.gate == 0.3 and enc.meta["training"] == {"seed": 7}
    assert np.array_equal(enc.out_w, state["out.weight"].T)  # the pair head stays float32: exact

    def half_steps(w):  # half an int8 step per row: the most rounding may move an entry
        return (np.abs(w).max(axis=1) / 127 / 2 + 1e-7)[:, None]

    w = state["bert.encoder.layer.3.intermediate.dense.weight"]
    assert (np.abs(enc.layers[3][5].T - w) <= half_steps(w)).all()  # int8 rows, de-quantized at load
    words = state["bert.embeddings.word_embeddings.weight"]
    ids = [101, 2000, 102]
    assert (np.abs(enc.words[ids] * enc.word_scale[ids, None] - words[ids]) <= half_steps(words[ids])).all()
    [probs] = enc.sentence_probs("Ann met Bob.", [((0, 3), "Person", (8, 11), "Person")])
    assert probs.shape == (6,) and abs(probs.sum() - 1) < 1e-5
