"""kg: news articles to a knowledge graph of people, institutions and statements.

Every fact is grounded in the sentence it came from (document, offsets, text),
in the JSON Lines records, in RDF and in Neo4j.
"""

__version__ = "0.1.0"
