"""Page rows as both catalog adapters read them back for chunking."""

from __future__ import annotations

import json
from typing import Any

from agentflow.domain.documents import PageText, PageWarning


def page_text(number: int, text: str | None, warnings: str | list[Any] | None) -> PageText:
    """A ``PageText`` from the fields of a stored page body (``warnings`` as JSON text, as
    SQLite's ``json_extract`` returns arrays, or already parsed)."""
    raw = json.loads(warnings) if isinstance(warnings, str) else warnings or []
    return PageText(number=number, text=text or "",
                    warnings=[PageWarning.model_validate(item) for item in raw])
