"""Questions asked, their status and answers, and conversations."""

from __future__ import annotations

from typing import Protocol

from agentflow.domain.queries import QueryRecord


class QueryRecords(Protocol):
    """Questions asked, their status and answers, and conversations.

    Every read and write is scoped to one tenant by the adapter.
    """

    async def save_query(self, query: QueryRecord) -> None:
        """Insert or overwrite the query record."""
        ...

    async def get_query(self, tenant_id: str, query_id: str) -> QueryRecord | None:
        """The tenant's query record; None if there is none."""
        ...

    async def conversation(self, tenant_id: str, conversation_id: str) -> list[QueryRecord]:
        """The queries of a conversation, oldest first (empty if there is none)."""
        ...

    async def unfinished_queries(self) -> list[QueryRecord]:
        """Queries of every tenant still ``running`` (for resume on start)."""
        ...
