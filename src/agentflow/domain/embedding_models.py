"""Which embedding model a tenant's documents and questions are embedded with.

Every tenant starts on the shipped all-MiniLM-L6-v2, in the shared collection (generation 0).
An admin may move a tenant to any OpenAI-compatible ``/v1/embeddings`` endpoint (or back): the
change opens a new *generation*, a collection of the model's dimension, which a background job
fills from the tenant's chunks while questions keep using the active generation. When every
ready document is in it, the new generation becomes the active one and the old one is dropped.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, Field, SecretStr, SerializationInfo, field_serializer, model_validator

from agentflow.domain.workflows import WorkflowRef

BUILTIN_MODEL = "all-MiniLM-L6-v2"
BUILTIN_DIMENSION = 384


class EmbeddingProvider(StrEnum):
    """Where vectors come from: the shipped model in process, or an HTTP endpoint."""

    BUILTIN = "builtin"
    OPENAI = "openai"  # any OpenAI-compatible ``POST {base_url}/embeddings``


class EmbeddingModelSpec(BaseModel):
    """One embedding model: provider, model name, dimension, and for an endpoint its base URL
    and key (a secret: never shown by the API, kept only in the tenant's record)."""

    provider: EmbeddingProvider = EmbeddingProvider.BUILTIN
    model: str = Field(default=BUILTIN_MODEL, min_length=1, max_length=200)
    dimension: int = Field(default=BUILTIN_DIMENSION, ge=2, le=8192)
    base_url: str | None = Field(default=None, max_length=500,
                                 pattern=r"^https?://[^\s/?#@]+(/[^\s?#]*)?$")
    api_key: SecretStr | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.provider is EmbeddingProvider.BUILTIN:
            if (self.model, self.dimension) != (BUILTIN_MODEL, BUILTIN_DIMENSION) \
                    or self.base_url is not None:
                raise ValueError(f"the built-in model is {BUILTIN_MODEL} ({BUILTIN_DIMENSION} "
                                 "dimensions) and takes no base_url")
        elif self.base_url is None:
            raise ValueError("an OpenAI-compatible model needs base_url")
        return self

    @field_serializer("api_key", when_used="always")
    def _key(self, key: SecretStr | None, info: SerializationInfo) -> str | None:
        """Stores reveal the key (``context={"secrets": True}``); everything else masks it."""
        if key is None:
            return None
        context: dict[str, Any] = info.context or {}
        return key.get_secret_value() if context.get("secrets") else "**********"

    def same_model(self, other: EmbeddingModelSpec) -> bool:
        """Whether both make the same vectors (the key may differ)."""
        return (self.provider, self.model, self.dimension, self.base_url) == (
            other.provider, other.model, other.dimension, other.base_url)


class ReembedStatus(StrEnum):
    """Where a tenant's move to a new model stands."""

    IDLE = "idle"  # nothing to do: the active generation is complete
    RUNNING = "running"  # the target generation is being filled
    FAILED = "failed"  # the move stopped (``error`` says why); the active model is still used


class TenantEmbedding(BaseModel):
    """A tenant's active model and generation, and the move to a new one, if any.
    ``revision`` grows with every save (stores compare-and-set on it)."""

    tenant_id: str
    active: EmbeddingModelSpec = Field(default_factory=EmbeddingModelSpec)
    generation: int = 0  # 0: the shared collection of the built-in model
    target: EmbeddingModelSpec | None = None
    target_generation: int | None = None
    status: ReembedStatus = ReembedStatus.IDLE
    done: int = 0  # documents embedded into the target generation
    total: int = 0
    error: str | None = None
    last_generation: int = 0  # the newest generation ever opened (each move opens a new one)
    revision: int = 0
    updated_at: datetime | None = None

    def stored(self) -> str:
        """The JSON a store keeps (the keys revealed)."""
        return self.model_dump_json(context={"secrets": True})


class MoveRef(BaseModel):
    """The move of ``tenant_id`` to its generation ``generation`` (the workflow's input)."""

    tenant_id: str
    generation: int


MOVE_WORKFLOW = WorkflowRef("move_tenant_model", MoveRef)


def move_instance_id(tenant_id: str, generation: int) -> str:
    """One workflow instance per tenant and generation: a resumed move is not started twice."""
    return f"move-{tenant_id}-g{generation}"
