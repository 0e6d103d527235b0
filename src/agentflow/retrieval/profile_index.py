"""The tenant's document profiles as points of their own index, searched before chunks.

One point a document (dense and BM25 vectors of its profile text: title, organisations,
aliases, kind, period and file-name words), kept in a ``VectorIndex`` of its own so chunk
searches never see them and routing costs one small index query, however large the library.
The point's stored text is the profile itself (JSON), so routing reads no catalog record.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from pydantic import ValidationError

from agentflow.domain.documents import Document
from agentflow.domain.profiles import DocumentProfile
from agentflow.domain.vectors import (
    IndexedChunk,
    SearchFilters,
    SearchMode,
    SearchQuery,
    SparseVector,
)
from agentflow.ports.embedder import Embedder
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.vector_index import VectorIndex

_PROFILE_NAMESPACE = uuid.UUID("0b6f4c1e-3f0a-4f55-9b7e-1d2c3e4f5a6b")


def profile_point_id(document_id: str) -> str:
    return str(uuid.uuid5(_PROFILE_NAMESPACE, document_id))


def file_words(name: str) -> str:
    """A file name as words: ``BESTBUY_2024Q2_10Q.pdf`` -> ``BESTBUY 2024 Q2 10Q``."""
    stem = name.rsplit(".", 1)[0]
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=\d)(?=[A-Za-z])|(?<=[A-Za-z])(?=\d)", " ", stem)
    return " ".join(re.split(r"[\W_]+", stem)).strip()


def profile_text(document: Document) -> str:
    """What a document's profile point is embedded and BM25-indexed from."""
    profile = document.profile
    return " | ".join(part for part in (
        profile.label(), " ".join(profile.aliases), file_words(document.name),
        " ".join(document.metadata.tags)) if part)


@dataclass(frozen=True)
class ProfileHit:
    """A document found by its profile (the names match ``Document``'s, so routing rules
    take either)."""

    id: str
    name: str
    profile: DocumentProfile


@dataclass
class ProfileIndex:
    """Puts, removes and searches profile points."""

    index: VectorIndex
    embedder: Embedder
    sparse: SparseEncoder

    async def put(self, document: Document) -> None:
        """Index (or re-index) ``document``'s profile."""
        text = profile_text(document)
        (dense,) = await self.embedder.embed_documents([text])
        (sparse,) = self.sparse.encode_documents([text])
        await self.index.upsert([IndexedChunk(
            chunk_id=profile_point_id(document.id), tenant_id=document.tenant_id,
            document_id=document.id, document_name=document.name, page_start=1, page_end=1,
            text=document.profile.model_dump_json(), tags=document.metadata.tags, dense=dense,
            sparse=sparse)])

    async def remove(self, tenant_id: str, document_id: str) -> None:
        await self.index.delete_document(tenant_id, document_id)

    async def candidates(self, tenant_id: str, dense: list[float] | None,
                         sparse: SparseVector | None, *, tags: list[str] | None,
                         limit: int) -> list[ProfileHit]:
        """The profiles nearest a question (hybrid: meaning and words), best first."""
        if dense is None and sparse is None:
            return []
        hits = await self.index.search(SearchQuery(
            tenant_id=tenant_id, dense=dense, sparse=sparse, mode=SearchMode.HYBRID,
            limit=limit, prefetch_limit=max(limit, 20), filters=SearchFilters(tags=tags)))
        found = []
        for hit in hits:
            try:
                profile = DocumentProfile.model_validate_json(hit.text)
            except ValidationError:  # a point written before profiles were stored: re-profile
                continue
            found.append(ProfileHit(hit.document_id, hit.document_name, profile))
        return found
