"""NLP stage: spaCy in, plain dataclasses out.

spaCy objects never leave this package; callers get :class:`kg.model.Extraction`.
"""

from kg.nlp.pipeline import DEFAULT_MODEL, load_model
from kg.nlp.extract import EXTRACTOR, extract, extract_many

__all__ = ["DEFAULT_MODEL", "EXTRACTOR", "extract", "extract_many", "load_model"]
