"""A profile through a document's life: upload metadata overrides it, a corrected tag is
routed and searched by, and a deleted document is routed to no more."""

from __future__ import annotations

from pathlib import Path

import httpx

from agentflow.domain.vectors import SearchFilters
from agentflow.runtime.container import Container
from tests.integration.helpers import upload, wait_terminal

QUESTION = "What did Quillfeather Press print in fiscal 2021?"


async def test_metadata_tags_and_delete_drive_routing(client: httpx.AsyncClient,
                                                      container: Container,
                                                      tiny_pdf: Path) -> None:
    metadata = {"organisations": ["Quillfeather Press Ltd"], "fiscal_year": 2021}
    created = (await upload(client, tiny_pdf, metadata=metadata)).json()["documents"][0]
    document = await wait_terminal(client, created["id"])
    assert document["status"] == "ready"
    # What the uploader said wins over what the text gives.
    assert document["profile"]["organisations"] == ["Quillfeather Press Ltd"]
    assert document["profile"]["fiscal_year"] == 2021
    routing = await container.search.route("default", QUESTION)
    (preferred,) = routing.preferred
    assert preferred.document_id == created["id"] and routing.restricted
    assert "period FY2021" in preferred.reasons

    # A corrected tag reaches the profile point and the chunks: a tag filter finds both.
    press = SearchFilters(tags=["press"])
    assert (await container.search.route("default", QUESTION, filters=press)).preferred == []
    edited = await client.patch(f"/v1/documents/{created['id']}", json={"tags": ["press"]})
    assert edited.status_code == 200
    assert (await wait_terminal(client, created["id"]))["status"] == "ready"
    passages, routing = await container.search.routed_search("default", QUESTION, limit=5,
                                                             filters=press)
    assert [p.document_id for p in routing.preferred] == [created["id"]]
    assert passages and {p.document_id for p in passages} == {created["id"]}

    assert (await client.delete(f"/v1/documents/{created['id']}")).status_code == 204
    routing = await container.search.route("default", QUESTION)
    assert routing.preferred == [] and routing.reason
