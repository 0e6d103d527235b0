"""``/v1/documents``: upload, list, inspect, correct, follow, download, retry, delete."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import ValidationError

from agentflow.domain.documents import DocumentMetadata, DocumentStatus
from agentflow.domain.errors import InvalidInput
from agentflow.domain.events import StreamEvent
from agentflow.domain.profiles import ProfileEdit
from agentflow.gateway.deps import DocumentsDep, PageImagesDep, TenantDep
from agentflow.gateway.multipart import read_form
from agentflow.gateway.schemas import (
    DocumentList,
    DocumentView,
    PageView,
    UploadedDocument,
    UploadResponse,
)
from agentflow.gateway.sse import last_event_id, sse_response
from agentflow.ingestion.uploads import ReceivedFile

router = APIRouter(prefix="/v1/documents", tags=["documents"])
_TERMINAL = frozenset({"ready", "failed"})


def _metadata(raw: str | None) -> DocumentMetadata:
    if not raw:
        return DocumentMetadata()
    try:
        return DocumentMetadata.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise InvalidInput(f"metadata must be JSON with title and tags: {exc}") from None


@router.post("", status_code=202, response_model=UploadResponse,
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"], "properties": {
                     "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                     "metadata": {"type": "string", "description": "JSON: title, tags"}}}}}}})
async def upload_documents(request: Request, documents: DocumentsDep,
                           tenant_id: TenantDep) -> UploadResponse:
    """Upload one or more PDFs (``file`` parts) with optional ``metadata`` JSON."""
    form = await read_form(request.headers.get("content-type", ""), request.stream(),
                           documents.open, max_files=documents.max_files_per_request)
    received = [ReceivedFile(incoming=incoming, sha256=sha) for incoming, sha in form.files]
    if not received:
        raise InvalidInput("no file part named 'file' in the upload")
    try:
        metadata = _metadata(form.fields.get("metadata"))
    except InvalidInput:
        for item in received:
            await item.incoming.writer.abort()
        raise
    accepted = await documents.upload(tenant_id, received, metadata)
    return UploadResponse(documents=[
        UploadedDocument(id=document.id, name=document.name, status=document.status,
                         sha256=document.sha256, size_bytes=document.size_bytes,
                         duplicate_of=document.id if duplicate else None)
        for document, duplicate in accepted
    ])


@router.get("", response_model=DocumentList)
async def list_documents(
    documents: DocumentsDep, tenant_id: TenantDep,
    status: DocumentStatus | None = None, cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentList:
    """The tenant's documents, newest first, a page at a time."""
    found, next_cursor = await documents.list(tenant_id, status=status, cursor=cursor,
                                              limit=limit)
    return DocumentList(documents=[DocumentView.of(d) for d in found], next_cursor=next_cursor)


@router.get("/{document_id}", response_model=DocumentView)
async def get_document(document_id: str, documents: DocumentsDep,
                       tenant_id: TenantDep) -> DocumentView:
    """Status, progress, error and warnings of one document."""
    return DocumentView.of(await documents.get(tenant_id, document_id))


@router.patch("/{document_id}", response_model=DocumentView)
async def edit_document(document_id: str, edit: ProfileEdit, documents: DocumentsDep,
                        tenant_id: TenantDep) -> DocumentView:
    """Correct a document's profile (title, organisations, kind, period) or tags. A ready
    document is indexed again with them (``pending``, then ``processing``, until ``ready``);
    routing uses the new profile from then on."""
    return DocumentView.of(await documents.edit(tenant_id, document_id, edit))


@router.get("/{document_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def document_events(document_id: str, request: Request, documents: DocumentsDep,
                          tenant_id: TenantDep) -> StreamingResponse:
    """SSE: ``progress`` events, then ``ready`` or ``failed``; resumable with Last-Event-ID."""
    document, events = await documents.follow(tenant_id, document_id,
                                              after=last_event_id(request))
    if events is None:  # settled before this process started: report the outcome
        summary = DocumentView.of(document).model_dump(mode="json")
        return sse_response(request, _once(
            StreamEvent(id="0", event=document.status.value, data=summary)))
    return sse_response(request, events)


async def _once(event: StreamEvent) -> AsyncIterator[StreamEvent]:
    yield event


@router.get("/{document_id}/file", response_class=StreamingResponse,
            responses={200: {"content": {"application/pdf": {}}},
                       307: {"description": "a short-lived presigned URL of the object store"}})
async def download_file(
    document_id: str, documents: DocumentsDep, tenant_id: TenantDep,
    inline: Annotated[bool, Query(description="stream the file through the API even when the "
                                              "store gives presigned URLs")] = False,
) -> Response:
    """The original PDF, byte for byte: from an object store, a redirect to a presigned URL."""
    if not inline and (link := await documents.link(tenant_id, document_id)) is not None:
        return RedirectResponse(link, status_code=307, headers={"Cache-Control": "no-store"})
    document, size, content = await documents.original(tenant_id, document_id)
    safe_name = document.name.encode("ascii", "replace").decode().replace('"', "'")
    return StreamingResponse(
        content, media_type="application/pdf",
        headers={"Content-Length": str(size),
                 "Content-Disposition": f'inline; filename="{safe_name}"'},
    )


@router.get("/{document_id}/pages/{number}", response_model=PageView)
async def get_page(document_id: str, number: int, documents: DocumentsDep,
                   tenant_id: TenantDep) -> PageView:
    """Page ``number`` (1-based): its text, blocks and lines with bounding boxes."""
    return PageView.of(await documents.page(tenant_id, document_id, number))


@router.get("/{document_id}/pages/{number}/image", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
async def get_page_image(
    document_id: str, number: int, documents: DocumentsDep, images: PageImagesDep,
    tenant_id: TenantDep,
    highlight: Annotated[str | None, Query(description="a citation quote or a chunk id")] = None,
    zoom: Annotated[float, Query(ge=0.5, le=4.0)] = 1.5,
) -> Response:
    """PNG of page ``number`` with the cited passage (quote or chunk) highlighted."""
    document = await documents.get(tenant_id, document_id)
    png = await images.render(document, number, highlight=highlight, zoom=zoom)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/{document_id}/thumbnail", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
async def get_thumbnail(document_id: str, documents: DocumentsDep,
                        tenant_id: TenantDep) -> Response:
    """A small PNG preview of the first page, made once when the document is ready."""
    png = await documents.thumbnail(tenant_id, document_id)
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=86400"})


@router.post("/{document_id}/retry", status_code=202, response_model=DocumentView)
async def retry_document(document_id: str, documents: DocumentsDep,
                         tenant_id: TenantDep) -> DocumentView:
    """Ingest a failed document again from its kept original."""
    return DocumentView.of(await documents.retry(tenant_id, document_id))


@router.delete("/{document_id}", status_code=204, response_class=Response)
async def delete_document(document_id: str, documents: DocumentsDep,
                          tenant_id: TenantDep) -> Response:
    """Remove the file, the record with its pages and chunks, and every vector."""
    await documents.delete(tenant_id, document_id)
    return Response(status_code=204)
