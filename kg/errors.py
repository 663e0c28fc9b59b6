"""One error tree for the whole project.

Every message says what failed, the offending value, and how to fix it, so
that a CLI user sees one useful line instead of a traceback.
"""

from __future__ import annotations


class KGError(Exception):
    """Base of every error `kg` raises on purpose."""


class InputError(KGError):
    """A document could not be read or parsed.

    Attributes:
        source: the file (and line, where known) the problem is in.
    """

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class ModelError(KGError):
    """A spaCy pipeline could not be loaded or lacks a needed component."""


class SinkError(KGError):
    """Writing to an output (file, RDF store, Neo4j) failed."""


class ConfigError(KGError):
    """A setting or argument has a value we cannot use."""


class ServiceError(KGError):
    """An external service (Neo4j, Fuseki, the SPARQL endpoint) failed."""
