"""spaCy's layers on numpy's BLAS give the annotations of thinc's BLIS; BLAS runs on one thread while kg parses."""

from __future__ import annotations

import json

import spacy
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, TAG
from spacy.language import Language
from thinc.api import NumpyOps
from threadpoolctl import threadpool_info

from kg.model import Document
from kg.nlp import extract, extract_many, gemm_ops
from kg.nlp.pipeline import load_spacy

ATTRS = [TAG, HEAD, DEP, ENT_IOB, ENT_TYPE]


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_same_annotations_as_blis(raw_nlp, seed_path, shared_dir):
    texts = [seed_path.read_text(encoding="utf-8")]
    texts += sorted(p.read_text(encoding="utf-8") for p in (shared_dir / "data/polnear/dev/text").iterdir())[:5]
    with open(shared_dir / "data/conll04/dev.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f][:150]
    fast = load_spacy()  # a copy of the model as shipped, then on numpy's BLAS
    assert gemm_ops.swap_in(fast) > 50  # tok2vec, tagger, parser and NER layers
    assert gemm_ops.swap_in(fast) == 0  # idempotent: nothing left on BLIS
    with gemm_ops.one_thread():
        expected, actual = list(raw_nlp.pipe(texts)), list(fast.pipe(texts))
    assert sum(len(d) for d in expected) > 8000
    for x, y in zip(expected, actual):
        assert (x.to_array(ATTRS) == y.to_array(ATTRS)).all()


def _on_blis(nlp) -> list[tuple[str, str]]:
    return [(name, layer.name) for name, pipe in nlp.components if hasattr(getattr(pipe, "model", None), "walk")
            for layer in pipe.model.walk() if type(layer.ops) is NumpyOps and layer.ops.use_blis]


def test_load_model_runs_on_numpy_blas():
    from kg.nlp import components

    nlp = load_spacy()  # a fresh copy: the NER has not grown kg's labels yet
    assert len(_on_blis(nlp)) > 50
    components.add_to(nlp)
    assert _on_blis(nlp) == []


def test_layers_spacy_makes_while_parsing_are_switched(seed_document):
    from kg.nlp import components

    nlp = load_spacy()
    components.add_to(nlp)
    extract(seed_document, nlp)  # the gazetteer's TITLE reaches the NER, which grows a label and a new layer
    assert "TITLE" in nlp.get_pipe("ner").labels
    assert _on_blis(nlp) == [("ner", "linear")]  # built by spaCy on BLIS, during the batch
    extract(Document("d2", "Mark Rutte met Antony Blinken."), nlp)
    assert _on_blis(nlp) == []  # switched before the next batch


def test_switch_off_keeps_blis(monkeypatch):
    monkeypatch.setenv(gemm_ops.ENV, "0")
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.initialize()
    assert gemm_ops.swap_in(nlp) == 0
    assert all(layer.ops.use_blis for layer in nlp.get_pipe("tok2vec").model.walk())
    monkeypatch.delenv(gemm_ops.ENV)
    assert gemm_ops.swap_in(nlp) > 0


def test_other_ops_are_left_alone():
    class OtherOps(NumpyOps):  # a subclass (as Apple's ops are) keeps its own gemm
        pass

    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.initialize()
    model = nlp.get_pipe("tok2vec").model
    other = OtherOps()
    for layer in model.walk():
        layer.ops = other
    assert gemm_ops.swap_in(nlp) == 0
    assert all(layer.ops is other for layer in model.walk())


def test_one_thread_limits_and_restores():
    before = _blas_threads()
    assert before  # numpy's OpenBLAS is loaded
    with gemm_ops.one_thread():
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before


_SEEN: list[list[int]] = []


@Language.component("kg_test_blas_threads")
def _record_blas_threads(doc):
    """A pipeline component that records the BLAS thread counts it runs under."""
    _SEEN.append(_blas_threads())
    return doc


def test_extract_parses_on_one_blas_thread(nlp):
    _SEEN.clear()
    nlp.add_pipe("kg_test_blas_threads", last=True)
    try:
        extract(Document("d1", "Antony Blinken met Mark Rutte in Brussels."), nlp)
        list(extract_many([Document("d2", "Mark Rutte met Antony Blinken.")], nlp))
    finally:
        nlp.remove_pipe("kg_test_blas_threads")
    assert len(_SEEN) == 2 and all(threads and set(threads) == {1} for threads in _SEEN)
