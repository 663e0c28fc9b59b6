"""Cross-document entity resolution that users can trust, explain and undo."""

from kg.resolve.aliases import Aliases, WikidataTable, read_aliases, read_wikidata
from kg.resolve.resolver import Cluster, Decision, Resolution, apply, resolve

__all__ = [
    "Aliases",
    "Cluster",
    "Decision",
    "Resolution",
    "WikidataTable",
    "apply",
    "read_aliases",
    "read_wikidata",
    "resolve",
]
