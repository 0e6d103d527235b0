"""Footprints: the contract, run against both catalog adapters (SQLite, Redis)."""

from __future__ import annotations

from agentflow.domain.documents import (
    DocumentStatus,
)
from agentflow.ports.catalog import Catalog
from tests.contract.records import doc


async def test_the_footprint_counts_documents_and_bytes_per_tenant(catalog: Catalog) -> None:
    for n in range(3):
        await catalog.add_document(doc("acme", n).model_copy(update={"size_bytes": 1000 + n}))
    await catalog.add_document(doc("acme", 0))  # a duplicate counts once
    await catalog.add_document(doc("beta", 9).model_copy(update={"size_bytes": 5}))
    assert (await catalog.footprint("acme")).model_dump() == {
        "documents": 3, "bytes": 3003, "by_status": {DocumentStatus.PENDING: 3}}
    ready = doc("acme", 2).model_copy(update={"size_bytes": 1002, "status": DocumentStatus.READY})
    await catalog.save_document(ready)
    await catalog.delete_document("acme", doc("acme", 1).id)
    assert (await catalog.footprint("acme")).model_dump() == {
        "documents": 2, "bytes": 2002,
        "by_status": {DocumentStatus.PENDING: 1, DocumentStatus.READY: 1}}
    assert (await catalog.footprint("beta")).bytes == 5
    assert (await catalog.footprint("gamma")).model_dump() == {
        "documents": 0, "bytes": 0, "by_status": {}}
    every = await catalog.footprints(["acme", "beta", "gamma", "acme"])
    assert list(every) == ["acme", "beta", "gamma"]
    assert {t: f.model_dump() for t, f in every.items()} == {
        t: (await catalog.footprint(t)).model_dump() for t in ("acme", "beta", "gamma")}
