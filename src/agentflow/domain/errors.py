"""The one error root of AgentFlow and its tree.

Errors carry fields (a stable ``code`` and the facts behind it), never HTTP codes: the gateway
maps them to RFC 9457 problem responses.

    AgentFlowError
    ├── InvalidInput                    (code: invalid_input)
    │   ├── EmptyFile                   (code: empty_file)
    │   ├── NotAPdf                     (code: not_a_pdf)
    │   ├── FileTooLarge                (code: file_too_large)
    │   ├── EncryptedPdf                (code: encrypted_pdf)
    │   ├── InvalidQuestion             (code: invalid_question)
    │   └── UnusableEmbeddingModel      (code: embedding_model_unusable)
    ├── NotFound                        (code: not_found)
    ├── Conflict                        (code: conflict)
    ├── Unauthenticated                 (code: unauthenticated)
    ├── Forbidden                       (code: forbidden)
    ├── RateLimited                     (code: rate_limited)
    ├── QuotaExceeded                   (code: quota_exceeded)
    ├── IngestionFailed                 (code: ingestion_failed)
    │   ├── UnreadablePdf               (code: unreadable_pdf)
    │   ├── NoExtractableText           (code: no_text)
    │   └── ExtractionTimeout           (code: extraction_timeout)
    ├── AgentFailed                     (code: agent_failed)
    │   ├── AgentUnavailable            (code: agent_unavailable)
    │   └── AgentTimeout                (code: agent_timeout)
    ├── EmbeddingFailed                 (code: embedding_failed)
    ├── DependencyMissing               (code: dependency_missing)
    ├── StoreUnavailable                (code: store_unavailable)
    ├── StoreTooNew                     (code: store_too_new)
    └── WorkerLost                      (code: worker_lost)
"""

from __future__ import annotations

from typing import ClassVar


class AgentFlowError(Exception):
    """Root of every error AgentFlow raises on purpose."""

    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **fields: object) -> None:
        """``detail`` is the message for people; ``fields`` are the facts behind it (plain values
        appear in the problem response)."""
        super().__init__(detail)
        self.detail = detail
        self.fields: dict[str, object] = fields


class InvalidInput(AgentFlowError):
    """The input is unacceptable; sent again unchanged it fails the same way (never retried)."""

    code = "invalid_input"
    title = "Invalid input"


class EmptyFile(InvalidInput):
    """An upload with no bytes."""

    code = "empty_file"
    title = "Empty file"


class NotAPdf(InvalidInput):
    """An upload or file that is not a PDF (no ``%PDF-`` header)."""

    code = "not_a_pdf"
    title = "Not a PDF"


class FileTooLarge(InvalidInput):
    """An upload over the size limit."""

    code = "file_too_large"
    title = "File too large"


class EncryptedPdf(InvalidInput):
    """A PDF that needs a password to open."""

    code = "encrypted_pdf"
    title = "Encrypted PDF"


class InvalidQuestion(InvalidInput):
    """A question that is empty or longer than the limit."""

    code = "invalid_question"
    title = "Invalid question"


class UnusableEmbeddingModel(InvalidInput):
    """An embedding model an admin asked for failed its check (unreachable, a refused key,
    vectors of another dimension): nothing was changed."""

    code = "embedding_model_unusable"
    title = "Embedding model unusable"


class NotFound(AgentFlowError):
    """The thing asked for does not exist, or belongs to another tenant (never says which)."""

    code = "not_found"
    title = "Not found"


class Conflict(AgentFlowError):
    """The request clashes with the current state (a tenant that exists, a document still being
    ingested)."""

    code = "conflict"
    title = "Conflict"


class Unauthenticated(AgentFlowError):
    """No credentials, or credentials that do not check out (never says which part failed)."""

    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(AgentFlowError):
    """Authenticated, but the role does not allow this."""

    code = "forbidden"
    title = "Forbidden"


class RateLimited(AgentFlowError):
    """Too many requests for the tenant's limit; ``retry_after_s`` says when to come back."""

    code = "rate_limited"
    title = "Too many requests"


class QuotaExceeded(AgentFlowError):
    """A per-tenant quota (documents, bytes, tokens per day, concurrent ingestions) is used up."""

    code = "quota_exceeded"
    title = "Quota exceeded"


class IngestionFailed(AgentFlowError):
    """A document cannot be ingested, for a reason that retrying will not change."""

    code = "ingestion_failed"
    title = "Ingestion failed"


class UnreadablePdf(IngestionFailed):
    """The PDF cannot be opened, or its page tree is broken."""

    code = "unreadable_pdf"
    title = "Unreadable PDF"


class NoExtractableText(IngestionFailed):
    """No page has text to index (empty pages, scans without OCR, fonts without Unicode mapping)."""

    code = "no_text"
    title = "No extractable text"


class ExtractionTimeout(IngestionFailed):
    """Extracting a range of pages took longer than allowed."""

    code = "extraction_timeout"
    title = "Extraction timed out"


class AgentFailed(AgentFlowError):
    """An agent could not answer (after its retries, where it is the orchestrator's verdict)."""

    code = "agent_failed"
    title = "Agent failed"


class AgentUnavailable(AgentFailed):
    """No such agent is registered, or its service cannot be reached."""

    code = "agent_unavailable"
    title = "Agent unavailable"


class AgentTimeout(AgentFailed):
    """The agent did not answer within its time limit."""

    code = "agent_timeout"
    title = "Agent timed out"


class EmbeddingFailed(AgentFlowError):
    """A tenant's embeddings endpoint refused or failed a request, or answered with vectors
    that do not fit (wrong count or dimension). Activities retry it; a move to a new model
    stops with this as its reason."""

    code = "embedding_failed"
    title = "Embedding failed"


class DependencyMissing(AgentFlowError):
    """A module of an optional extra (or of the base install) cannot be imported; the detail says
    what to install."""

    code = "dependency_missing"
    title = "Optional dependency missing"


class StoreUnavailable(AgentFlowError):
    """A shared store (Redis, a Qdrant server) cannot be reached right now; retrying later will
    do (activities are retried; API callers get 503 with ``Retry-After``)."""

    code = "store_unavailable"
    title = "Store unavailable"


class StoreTooNew(AgentFlowError):
    """A store's schema is of a later release than this one: refused, never written to."""

    code = "store_too_new"
    title = "Store written by a newer release"


class WorkerLost(AgentFlowError):
    """The process (pool worker, Ray worker) running a batch task died under it."""

    code = "worker_lost"
    title = "Worker process lost"


def _subclasses(cls: type[AgentFlowError]) -> list[type[AgentFlowError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found


def error_type_for_code(code: str) -> type[AgentFlowError]:
    """The AgentFlow error class whose stable code is ``code`` (the root if none)."""
    return next((cls for cls in _subclasses(AgentFlowError) if cls.code == code), AgentFlowError)


def code_for_error_type(error_type: str) -> str:
    """The stable code of the AgentFlow error class named ``error_type``.

    Workflow engines report activity failures by type name and message only (that is all that
    crosses Dapr's history), so this maps the name back to its code.
    """
    for cls in _subclasses(AgentFlowError):
        if cls.__name__ == error_type:
            return cls.code
    return AgentFlowError.code
