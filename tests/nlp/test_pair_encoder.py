"""The opt-in relation encoder (kg.nlp.trained.pair_encoder): it loads, computes what it was trained to,
and improves on the maxent model on the fixed CoNLL04 dev slice of test_trained_models.py.

Its numpy forward pass was checked against the torch model it was exported from
(probabilities equal within 7e-7 with float32 weights; docs/encoder-experiment.md).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kg import DEFAULT_MODEL, with_encoder
from kg.errors import ModelError
from kg.nlp import extract_many, load_model, trained
from kg.nlp.trained import pair_encoder, relations as trained_relations

from tests.nlp.test_trained_models import CONLL04_SLICE


@pytest.fixture(scope="module")
def encoder_nlp():
    return load_model(with_encoder(DEFAULT_MODEL))


def test_shipped_encoder_loads_once_and_is_small():
    enc = pair_encoder.shipped()
    assert enc is pair_encoder.shipped()
    assert enc.labels == (trained_relations.NONE, *trained_relations.SIGNATURES)
    size = (trained.MODEL_DIR / "relations-encoder.npz").stat().st_size
    assert 5_000_000 < size < 40_000_000


def test_erf_is_close_to_math_erf():
    x = np.linspace(-6, 6, 2001)
    exact = np.array([math.erf(v) for v in x])
    assert np.abs(pair_encoder._erf(x) - exact).max() < 2e-7


def test_encoder_computes_in_float32_throughout():
    # numpy 2 (NEP 50) promotes a float32 array to float64 when it meets a numpy float64 scalar
    # such as np.sqrt(2.0): the GELU then made every later product of the encoder a float64 one,
    # with its float32 weights converted on every call (1.7x the time).
    enc = pair_encoder.shipped()
    ids = enc.tokenizer.encode("Antony Blinken met Mark Rutte in Brussels on Wednesday.").ids
    assert enc.hidden(ids).dtype == np.float32
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    assert pair_encoder._gelu(x).dtype == np.float32
    assert pair_encoder._softmax(x).dtype == np.float32


def test_sentence_probabilities_are_distributions_and_favour_the_killing():
    enc = pair_encoder.shipped()
    text = "John Wilkes Booth shot Abraham Lincoln in Washington."
    booth, lincoln, washington = (0, 17), (23, 38), (42, 52)
    probs = np.stack(enc.sentence_probs(text, [(booth, "Person", lincoln, "Person"),
                                               (lincoln, "Person", washington, "Location")]))
    assert probs.shape == (2, len(enc.labels))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert enc.labels[int(probs[0].argmax())] == "killed"


def test_encoder_is_a_pipeline_option(encoder_nlp, nlp):
    assert trained.ENCODER_PIPE in encoder_nlp.pipe_names
    assert trained.ENCODER_PIPE not in nlp.pipe_names
    assert encoder_nlp("Rutte met Blinken.")._.get(trained.ENCODER_FLAG)
    assert not nlp("Rutte met Blinken.")._.get(trained.ENCODER_FLAG)


def test_unknown_model_option_is_a_clear_error():
    with pytest.raises(ModelError, match=r"unknown model option 'gpu'.*\+encoder"):
        load_model("en_core_web_sm+gpu")


def test_missing_encoder_files_are_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="relations-encoder.npz.*export_encoder.py"):
        pair_encoder.load(tmp_path)


def test_corrupt_encoder_files_are_a_clear_error(tmp_path):
    for suffix in (".npz", ".json", ".tokenizer.json"):
        (tmp_path / f"{pair_encoder.NAME}{suffix}").write_text("not a model", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot load the relation encoder"):
        pair_encoder.load(tmp_path)


def test_encoder_beats_maxent_on_conll04_dev_slice(shared_dir, nlp, encoder_nlp, monkeypatch):
    from kg.eval import conll04

    monkeypatch.setenv("KG_TRAINED", "1")
    sentences = conll04.load(shared_dir / "data", "dev", limit=CONLL04_SLICE)
    docs = [s.document() for s in sentences]
    maxent = conll04.score(sentences, list(extract_many(docs, nlp))).micro("strict")
    found = list(extract_many(docs, encoder_nlp))
    with_enc = conll04.score(sentences, found).micro("strict")
    assert with_enc.f1 > maxent.f1
    extractors = {r.evidence.extractor for x in found for r in x.relations}
    assert pair_encoder.EXTRACTOR in extractors
    assert trained_relations.EXTRACTOR not in extractors  # every model proposal went through the encoder
    for x, d in zip(found, docs):
        types = {e.id: e.type for e in x.entities}
        for r in x.relations:
            assert d.text[r.evidence.start:r.evidence.end] == r.evidence.text
            if r.evidence.extractor == pair_encoder.EXTRACTOR:
                assert (types[r.subject], types[r.object]) == trained_relations.SIGNATURES[r.predicate]


def test_encoder_runs_on_one_blas_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    enc = pair_encoder.shipped()
    with enc._one_blas_thread():
        blas = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
        assert blas and all(lib["num_threads"] == 1 for lib in blas)


def test_missing_tokenizers_package_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tokenizers", None)  # what an install without kg[encoder] sees
    with pytest.raises(ModelError, match=r"pip install 'kg\[encoder\]'"):
        pair_encoder.load()


def test_cascade_encodes_only_sentences_the_maxent_model_finds_promising(encoder_nlp):
    import copy

    doc = encoder_nlp("John Wilkes Booth shot Abraham Lincoln. Mary Todd lived in Springfield.")
    s1, s2 = list(doc.sents)
    booth, lincoln = doc.char_span(0, 17), doc.char_span(23, 38)
    mary, springfield = doc.char_span(40, 49), doc.char_span(59, 70)
    assert None not in (booth, lincoln, mary, springfield) and booth.sent == s1 and mary.sent == s2
    pairs = [(booth, "Person", lincoln, "Person"), (mary, "Person", springfield, "Location")]
    base = [{"NONE": 0.5, "killed": 0.5}, {"NONE": 0.95, "livesIn": 0.05}]
    enc = copy.copy(pair_encoder.shipped())
    enc.gate = 0.1
    gated = enc(doc, pairs, base)
    assert gated[1] == base[1]  # the second sentence is not promising: maxent's probabilities, not encoded
    assert gated[0] != base[0] and abs(sum(gated[0].values()) - 1) < 1e-6  # the first is averaged
    enc.gate = 0.0
    every = enc(doc, pairs, base)
    assert every[0] == gated[0] and every[1] != base[1]


def test_release_models_drops_the_encoder_too():
    """kg build releases the models before its output pass; the encoder's weights must go with them."""
    from kg.nlp.pipeline import release_models

    before = pair_encoder.shipped()
    release_models()
    assert pair_encoder.shipped() is not before


def test_pairs_past_the_window_of_a_long_sentence_are_left_to_maxent():
    """Past 256 wordpieces the tokenizer truncates (as in training); a pair beyond the cut is left to maxent."""
    enc = pair_encoder.shipped()
    filler = " ".join(["the committee discussed the budget"] * 60)  # ~300 wordpieces
    text = f"Mark Rutte met Antony Blinken, and {filler}, said Pat Ryder in Brussels."
    assert len(enc.tokenizer.encode(text).ids) == enc.meta["max_wordpieces"]
    rutte, blinken = (0, 10), (15, 29)
    ryder = (text.index("Pat Ryder"), text.index("Pat Ryder") + 9)
    brussels = (text.index("Brussels"), text.index("Brussels") + 8)
    seen, cut = enc.sentence_probs(text, [(rutte, "Person", blinken, "Person"),
                                          (ryder, "Person", brussels, "Location")])
    assert seen.shape == (len(enc.labels),) and abs(seen.sum() - 1) < 1e-5
    assert cut is None  # the encoder never saw Ryder or Brussels: the caller keeps maxent's probabilities
