"""Who runs ``ingest_document`` for an uploaded document: an in-process queue, or the document's
own ingestion actor behind Dapr."""

from __future__ import annotations

from typing import Protocol

from agentflow.domain.documents import Document


class IngestionDispatch(Protocol):
    """Hands uploaded documents over to ingestion, once per attempt."""

    async def start(self) -> None:
        """Begin dispatching; hand over again every document a crash left unfinished."""
        ...

    async def stop(self) -> None:
        """Stop handing documents over; what is queued or in flight here is dropped, and the next
        ``start`` hands over every document it left unfinished."""
        ...

    def submit(self, document: Document) -> None:
        """Ingest ``document`` (its current attempt); returns at once, never raises. Submitting
        the same attempt twice ingests it once."""
        ...

    def depth(self) -> int:
        """Documents submitted and not yet started (waiting for a slot or a hand-over)."""
        ...

    async def wait_idle(self) -> None:
        """Until every submitted document has been handed over (and, in-process, finished)."""
        ...
