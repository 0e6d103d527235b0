"""Chunks into vectors in one generation of a tenant's index: what ingestion does for each
range of chunks, and what a move to a new embedding model does for whole documents."""

from __future__ import annotations

from collections.abc import Sequence

from agentflow.domain.documents import Chunk, Document
from agentflow.domain.vectors import IndexedChunk
from agentflow.ingestion.context import indexed_text
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.retrieval.tenant_models import ModelChoice

BATCH = 256  # chunks embedded and written at a time when a whole document is re-embedded


async def index_chunks(document: Document, chunks: Sequence[Chunk], into: ModelChoice,
                       sparse: SparseEncoder) -> None:
    """Embed ``chunks`` (with their context line) by ``into``'s model and write them to its
    index; the stored, cited text stays the chunk's own."""
    if not chunks:
        return
    texts = [indexed_text(chunk) for chunk in chunks]
    dense = await into.embedder.embed_documents(texts)
    terms = sparse.encode_documents(texts)
    await into.index.upsert([
        IndexedChunk(
            chunk_id=chunk.id, tenant_id=chunk.tenant_id, document_id=chunk.document_id,
            document_name=document.name,
            page_start=chunk.page_start, page_end=chunk.page_end, text=chunk.text,
            spans=chunk.spans, tags=document.metadata.tags, section=chunk.section,
            dense=vector, sparse=weights,
        )
        for chunk, vector, weights in zip(chunks, dense, terms, strict=True)
    ])


async def index_document(document: Document, chunks: Sequence[Chunk], into: ModelChoice,
                         sparse: SparseEncoder) -> None:
    """All of a document's chunks into ``into``, a batch at a time."""
    for start in range(0, len(chunks), BATCH):
        await index_chunks(document, chunks[start:start + BATCH], into, sparse)
