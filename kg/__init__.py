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
