"""kg: news articles to a knowledge graph of people, institutions and statements.

Every fact is grounded in the sentence it came from (document, offsets, text),
in the JSON Lines records, in RDF and in Neo4j.
"""

__version__ = "0.1.0"

#: The spaCy pipeline ``kg build`` loads unless ``--model`` names another
#: (re-exported as ``kg.nlp.DEFAULT_MODEL``). It lives here, not in ``kg.nlp``,
#: so that code needing only the name (``kg.build``'s output pass, ``kg resolve``,
#: ``kg serve``) does not import spaCy, about a second and a half per process.
DEFAULT_MODEL = "en_core_web_sm"

#: The model-name suffix (``en_core_web_sm+encoder``) that turns on the opt-in relation encoder
#: (:mod:`kg.nlp.trained.pair_encoder`). It is part of the name, so workers load the same pipeline and a
#: build's manifest re-extracts documents when it changes.
ENCODER = "encoder"


def with_encoder(name: str) -> str:
    """The model name that adds the opt-in relation encoder to pipeline ``name``.

    >>> with_encoder("en_core_web_sm")
    'en_core_web_sm+encoder'
    >>> with_encoder("en_core_web_sm+encoder")
    'en_core_web_sm+encoder'
    """
    return name if name.endswith("+" + ENCODER) else f"{name}+{ENCODER}"
