"""Sinks: pure converters (``to_rdf_graph``, ``to_networkx`` …) and writers.

Every writer follows one small protocol, so ``kg build`` can stream each
extraction to all of them and close them at the end.
"""

from __future__ import annotations

from typing import Protocol

from kg.model import Extraction


class Sink(Protocol):
    """A writer that receives extractions one at a time."""

    def write(self, extraction: Extraction) -> None:
        """Add one document's extraction."""

    def close(self) -> None:
        """Flush and finish; after this the output files are complete."""
