"""The passages a question's retrieval found, held by reference while the question is answered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentflow.domain.queries import Passage


class PassageSets(Protocol):
    """One set of passages per query, written by retrieval and read by synthesis and citation.

    Passages are bulk data: the answering workflow passes their ids and leaves their text here,
    so its history (Dapr's state store) stays small. A set lives until ``drop`` or its expiry.
    """

    async def put(self, tenant_id: str, query_id: str, passages: Sequence[Passage]) -> None:
        """Store the query's passages, in order, replacing any earlier set of that query."""
        ...

    async def get(self, tenant_id: str, query_id: str) -> list[Passage] | None:
        """The query's passages in the order stored; None if there is no set (or it expired)."""
        ...

    async def drop(self, tenant_id: str, query_id: str) -> None:
        """Forget the query's set (nothing happens if there is none)."""
        ...
