"""Thin spaCy adapters; the rule logic lives in pure functions elsewhere in kg.nlp.

Order in the pipeline::

    tok2vec → tagger → kg_line_sentences → parser → attribute_ruler (compiled) → lemmatizer
            → kg_gazetteer → ner → kg_entity_fixes

``kg_line_sentences`` must run before the parser (which respects preset
boundaries); ``kg_gazetteer`` before the NER (which predicts around preset
entities); ``kg_entity_fixes`` after it.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.nlp import attribute_rules, entities, gemm_ops, lemma_tables, sentences


@Language.component("kg_line_sentences", assigns=["token.is_sent_start"])
def line_sentences(doc: Doc) -> Doc:
    """Line breaks and bullets start sentences (see :mod:`kg.nlp.sentences`)."""
    return sentences.set_line_boundaries(doc)


class EntityFixes:
    """Apply :func:`kg.nlp.entities.fix_entities`, with the place gazetteer matched here."""

    def __init__(self, nlp: Language):
        self.matcher = PhraseMatcher(nlp.vocab)
        self.matcher.add("GPE", list(nlp.tokenizer.pipe(entities.PLACES)))
        self.matcher.add("ORG", list(nlp.tokenizer.pipe(entities.ORGS)))

    def __call__(self, doc: Doc) -> Doc:
        places = [(s, e, doc.vocab.strings[m]) for m, s, e in self.matcher(doc)]
        doc.ents = entities.fix_entities(doc, places)
        return doc


@Language.factory("kg_entity_fixes", requires=["doc.ents"], assigns=["doc.ents"])
def make_entity_fixes(nlp: Language, name: str) -> EntityFixes:
    return EntityFixes(nlp)


def add_to(nlp: Language) -> None:
    """Add kg's components to a loaded pipeline (idempotent).

    The model's own attribute ruler is swapped for its compiled form
    (:mod:`kg.nlp.attribute_rules`), its lemmatizer's word lists become
    sets (:mod:`kg.nlp.lemma_tables`) and its layers multiply matrices with
    numpy's BLAS (:mod:`kg.nlp.gemm_ops`): the same annotations, faster.
    """
    attribute_rules.swap_in(nlp)
    lemma_tables.index_as_sets(nlp)
    gemm_ops.swap_in(nlp)
    names = nlp.pipe_names
    if "kg_line_sentences" not in names:
        if "parser" in names:
            nlp.add_pipe("kg_line_sentences", before="parser")
        elif "senter" in names:
            nlp.add_pipe("kg_line_sentences", before="senter")
        else:
            nlp.add_pipe("kg_line_sentences", first=True)
    if "kg_gazetteer" not in names:
        where = {"before": "ner"} if "ner" in names else {}
        ruler = nlp.add_pipe("entity_ruler", name="kg_gazetteer", config={"overwrite_ents": True}, **where)
        ruler.add_patterns(entities.ruler_patterns())
    if "kg_entity_fixes" not in names:
        nlp.add_pipe("kg_entity_fixes", last=True)
