"""The catalog: every record store in one, as the adapters (SQLite, Redis) implement them.

Each noun has a small port of its own (document records, footprints, pages, chunks, queries,
usage); a service takes the ones it uses, and the composition root passes the one catalog
adapter for each.
"""

from __future__ import annotations

from typing import Protocol

from agentflow.ports.chunk_store import ChunkStore
from agentflow.ports.document_records import DocumentRecords
from agentflow.ports.footprints import Footprints
from agentflow.ports.page_store import PageStore
from agentflow.ports.query_records import QueryRecords
from agentflow.ports.usage_ledger import UsageLedger


class Catalog(DocumentRecords, Footprints, PageStore, ChunkStore, QueryRecords, UsageLedger,
              Protocol):
    """Durable records. Every read and write is scoped to one tenant by the adapter."""
