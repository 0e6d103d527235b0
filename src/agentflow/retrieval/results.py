"""Search results as tools return them: what the MCP server sends and the retrieval agent reads.

Structured, not flat text: enough for any MCP client to read a passage and cite its page.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agentflow.domain.documents import Document, PageSpan
from agentflow.domain.profiles import DocumentProfile, PreferredDocument
from agentflow.domain.queries import Passage


class PassageHit(BaseModel):
    chunk_id: str
    document_id: str
    document_name: str
    page: int
    page_end: int
    score: float
    text: str
    spans: list[PageSpan] = Field(default_factory=list)  # where the text lies on each page

    @classmethod
    def of(cls, passage: Passage) -> PassageHit:
        return cls(chunk_id=passage.chunk_id, document_id=passage.document_id,
                   document_name=passage.document_name, page=passage.page_start,
                   page_end=passage.page_end, score=round(passage.score, 6), text=passage.text,
                   spans=passage.spans)

    def passage(self) -> Passage:
        return Passage(chunk_id=self.chunk_id, document_id=self.document_id,
                       document_name=self.document_name, page_start=self.page,
                       page_end=self.page_end, text=self.text, score=self.score,
                       spans=self.spans)


class SearchResult(BaseModel):
    query: str
    passages: list[PassageHit]


class DocumentInfo(BaseModel):
    document_id: str
    name: str
    title: str | None
    tags: list[str]
    pages: int | None
    created_at: str
    profile: DocumentProfile

    @classmethod
    def of(cls, document: Document) -> DocumentInfo:
        profile = document.profile
        return cls(document_id=document.id, name=document.name, title=profile.title,
                   tags=document.metadata.tags, pages=document.pages,
                   created_at=document.created_at.isoformat(), profile=profile)


class FoundDocuments(BaseModel):
    """What ``find_documents`` answers: the documents a question names, best first."""

    query: str
    documents: list[PreferredDocument]
    restricted: bool  # one document is clearly meant
    reason: str  # why none, when none


class DocumentList(BaseModel):
    documents: list[DocumentInfo]
