"""``Catalog`` on Redis: JSON records plus per-tenant indexes, so listing is never a scan.

Keys (``p`` is the prefix; every key of a tenant's data names the tenant):

- ``p doc:{t}:{id}`` the document (JSON), ``p progress:{t}:{id}`` its latest progress (written
  alone by concurrent activities; a whole-document save replaces it), ``p sha:{t}:{sha256}`` the
  dedup index (claimed atomically with the record by a Lua script);
- ``p docs:{t}`` and ``p docs:{t}:{status}``: lexicographic sorted sets of ``{created}|{id}``
  (newest first by ``ZREVRANGEBYLEX``, the member itself is the page cursor);
  ``p unfinished`` holds ``{t}|{id}`` of documents ``pending`` or ``processing``;
  ``p bytes:{t}`` the tenant's stored bytes (quotas);
- ``p pages:{t}:{doc}`` / ``p chunks:{t}:{doc}`` hashes by page number / ordinal, and
  ``p chunk-ids:{t}:{doc}`` chunk id -> ordinal;
- queries in ``p query:{t}:{id}``, conversations as sorted sets ``p conv:{t}:{conv}``, running
  queries in ``p running``; usage in ``p usage:{t}`` (field ``{query}|{agent}``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentflow.adapters.catalog.cursor import decode_cursor, encode_cursor
from agentflow.adapters.catalog.pages import page_text
from agentflow.adapters.outages import translate_outages
from agentflow.domain.documents import (
    Chunk,
    Document,
    DocumentPage,
    DocumentStatus,
    PageJson,
    PageText,
    Progress,
    TenantFootprint,
)
from agentflow.domain.queries import AgentUsage, QueryRecord, QueryStatus, UsageTotal

_UNFINISHED = frozenset({DocumentStatus.PENDING, DocumentStatus.PROCESSING})
# KEYS: sha key, doc key. ARGV: id, document JSON. Returns the JSON now on record.
_ADD = """
local existing = redis.call('GET', KEYS[1])
if existing then
  local body = redis.call('GET', ARGV[3] .. existing)
  if body then return body end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return ARGV[2]
"""

# Compare-and-set of a document: written (with its status indexes) only if its stored status
# is one of ARGV[8..]; the old status back, or false (gone, or another status).
_SAVE_IF = """
local current = redis.call('GET', KEYS[1])
if not current then return false end
local old = cjson.decode(current)['status']
local allowed = false
for i = 8, #ARGV do if ARGV[i] == old then allowed = true end end
if not allowed then return false end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('ZADD', ARGV[3], 0, ARGV[4])
if old ~= ARGV[2] then redis.call('ZREM', ARGV[3] .. ':' .. old, ARGV[4]) end
redis.call('ZADD', ARGV[3] .. ':' .. ARGV[2], 0, ARGV[4])
if ARGV[7] == '1' then redis.call('SADD', ARGV[5], ARGV[6])
else redis.call('SREM', ARGV[5], ARGV[6]) end
return old
"""


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _pair(member: bytes | str) -> tuple[str, str]:
    """``a|b`` index members (``{tenant}|{id}``, ``{created}|{id}``) split in two."""
    first, second = _text(member).split("|", 1)
    return first, second


@translate_outages("redis", RedisConnectionError, RedisTimeoutError)
class RedisCatalog:
    def __init__(self, redis: Redis, *, prefix: str = "agentflow:") -> None:
        self._r = redis
        self._p = prefix
        self._add = redis.register_script(_ADD)
        self._save_if = redis.register_script(_SAVE_IF)

    # -- documents -------------------------------------------------------------------------

    def _doc(self, tenant_id: str, document_id: str) -> str:
        return f"{self._p}doc:{tenant_id}:{document_id}"

    def _member(self, document: Document) -> str:
        return f"{_stamp(document.created_at)}|{document.id}"

    async def add_document(self, document: Document) -> Document:
        body = await self._add(
            keys=[f"{self._p}sha:{document.tenant_id}:{document.sha256}",
                  self._doc(document.tenant_id, document.id)],
            args=[document.id, document.model_dump_json(), f"{self._p}doc:{document.tenant_id}:"])
        stored = Document.model_validate_json(body)
        if stored.id == document.id:
            await self._index(document, previous=None)
            await self._r.incrby(f"{self._p}bytes:{document.tenant_id}", document.size_bytes)
        return stored

    async def footprint(self, tenant_id: str) -> TenantFootprint:
        return (await self.footprints([tenant_id]))[tenant_id]

    async def footprints(self, tenant_ids: Sequence[str]) -> dict[str, TenantFootprint]:
        wanted = list(dict.fromkeys(tenant_ids))
        pipe = self._r.pipeline(transaction=False)
        for tenant_id in wanted:
            pipe.zcard(f"{self._p}docs:{tenant_id}")
            pipe.get(f"{self._p}bytes:{tenant_id}")
            for status in DocumentStatus:
                pipe.zcard(f"{self._p}docs:{tenant_id}:{status.value}")
        replies = await pipe.execute()
        width = 2 + len(DocumentStatus)
        result = {}
        for n, tenant_id in enumerate(wanted):
            count, size, *counts = replies[n * width:(n + 1) * width]
            result[tenant_id] = TenantFootprint(
                documents=int(count), bytes=max(0, int(size or 0)), by_status={
                    status: int(c) for status, c in zip(DocumentStatus, counts, strict=True) if c})
        return result

    async def _index(self, document: Document, previous: DocumentStatus | None) -> None:
        t, member = document.tenant_id, self._member(document)
        pipe = self._r.pipeline(transaction=True)
        pipe.zadd(f"{self._p}docs:{t}", {member: 0})
        if previous is not None and previous != document.status:
            pipe.zrem(f"{self._p}docs:{t}:{previous.value}", member)
        pipe.zadd(f"{self._p}docs:{t}:{document.status.value}", {member: 0})
        unfinished = f"{t}|{document.id}"
        if document.status in _UNFINISHED:
            pipe.sadd(f"{self._p}unfinished", unfinished)
        else:
            pipe.srem(f"{self._p}unfinished", unfinished)
        await pipe.execute()

    async def get_document(self, tenant_id: str, document_id: str) -> Document | None:
        return (await self._documents([(tenant_id, document_id)]))[0]

    async def _documents(self, ids: Sequence[tuple[str, str]]) -> list[Document | None]:
        """Documents with their latest progress, in one round trip (``None`` where gone)."""
        if not ids:
            return []
        keys = [key for t, d in ids for key in (self._doc(t, d), f"{self._p}progress:{t}:{d}")]
        values = await self._r.mget(keys)
        found: list[Document | None] = []
        for body, progress in zip(values[::2], values[1::2], strict=True):
            document = None if body is None else Document.model_validate_json(body)
            if document is not None and progress is not None:
                document.progress = Progress.model_validate_json(progress)
            found.append(document)
        return found

    async def find_by_sha256(self, tenant_id: str, sha256: str) -> Document | None:
        document_id = await self._r.get(f"{self._p}sha:{tenant_id}:{sha256}")
        return None if document_id is None else await self.get_document(tenant_id,
                                                                        _text(document_id))

    async def save_document(self, document: Document) -> None:
        previous = await self._r.get(self._doc(document.tenant_id, document.id))
        old = Document.model_validate_json(previous).status if previous is not None else None
        pipe = self._r.pipeline(transaction=True)
        pipe.set(self._doc(document.tenant_id, document.id), document.model_dump_json())
        pipe.delete(f"{self._p}progress:{document.tenant_id}:{document.id}")
        await pipe.execute()
        await self._index(document, previous=old)

    async def save_document_if(self, document: Document, *,
                               status: Sequence[DocumentStatus]) -> bool:
        t = document.tenant_id
        old = await self._save_if(
            keys=[self._doc(t, document.id), f"{self._p}progress:{t}:{document.id}"],
            args=[document.model_dump_json(), document.status.value, f"{self._p}docs:{t}",
                  self._member(document), f"{self._p}unfinished", f"{t}|{document.id}",
                  "1" if document.status in _UNFINISHED else "0",
                  *(s.value for s in status)])
        return old is not None

    async def update_progress(self, tenant_id: str, document_id: str, progress: Progress) -> None:
        await self._r.set(f"{self._p}progress:{tenant_id}:{document_id}",
                          progress.model_dump_json())

    async def list_documents(self, tenant_id: str, *, status: DocumentStatus | None = None,
                             cursor: str | None = None, limit: int = 50,
                             ) -> tuple[list[Document], str | None]:
        index = f"{self._p}docs:{tenant_id}" + (f":{status.value}" if status else "")
        after = "(" + "|".join(decode_cursor(cursor)) if cursor else "+"
        members = [_text(m) for m in await self._r.zrevrangebylex(
            index, after, "-", start=0, num=limit + 1)]
        page = members[:limit]
        found = await self._documents([(tenant_id, m.split("|", 1)[1]) for m in page])
        documents = [d for d in found if d is not None]
        return documents, (encode_cursor(*page[-1].split("|", 1)) if len(members) > limit
                           else None)

    async def unfinished_documents(self) -> list[Document]:
        members = await self._r.smembers(f"{self._p}unfinished")
        found = await self._documents([_pair(m) for m in members])
        return sorted((d for d in found if d is not None and d.status in _UNFINISHED),
                      key=lambda d: d.created_at)

    async def delete_document(self, tenant_id: str, document_id: str) -> None:
        t = tenant_id
        parts = (self._doc(t, document_id), f"{self._p}progress:{t}:{document_id}",
                 f"{self._p}pages:{t}:{document_id}", f"{self._p}chunks:{t}:{document_id}",
                 f"{self._p}chunk-ids:{t}:{document_id}")
        document = await self.get_document(tenant_id, document_id)
        if document is None:  # gone already: sweep what in-flight ingestion wrote since
            await self._r.delete(*parts)
            return
        member = self._member(document)
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(*parts, f"{self._p}sha:{t}:{document.sha256}")
        pipe.zrem(f"{self._p}docs:{t}", member)
        for status in DocumentStatus:
            pipe.zrem(f"{self._p}docs:{t}:{status.value}", member)
        pipe.srem(f"{self._p}unfinished", f"{t}|{document_id}")
        pipe.decrby(f"{self._p}bytes:{t}", document.size_bytes)
        await pipe.execute()

    # -- pages and chunks ------------------------------------------------------------------

    async def save_pages(self, tenant_id: str, pages: Sequence[DocumentPage]) -> None:
        for document_id in dict.fromkeys(page.document_id for page in pages):
            await self.save_page_json(tenant_id, document_id, [
                PageJson(number=page.number, body=page.model_dump_json())
                for page in pages if page.document_id == document_id])

    async def save_page_json(self, tenant_id: str, document_id: str,
                             pages: Sequence[PageJson]) -> None:
        if pages:
            await self._r.hset(f"{self._p}pages:{tenant_id}:{document_id}",
                               mapping={str(page.number): page.body for page in pages})

    async def get_page_texts(self, tenant_id: str, document_id: str) -> list[PageText]:
        rows = await self._r.hgetall(f"{self._p}pages:{tenant_id}:{document_id}")
        texts = []
        for number, body in sorted(rows.items(), key=lambda kv: int(kv[0])):
            page = json.loads(body)
            texts.append(page_text(int(number), page["text"], page.get("warnings")))
        return texts

    async def get_page(self, tenant_id: str, document_id: str, number: int) -> DocumentPage | None:
        body = await self._r.hget(f"{self._p}pages:{tenant_id}:{document_id}", str(number))
        return None if body is None else DocumentPage.model_validate_json(body)

    async def count_pages(self, tenant_id: str, document_id: str) -> int:
        return int(await self._r.hlen(f"{self._p}pages:{tenant_id}:{document_id}"))

    async def get_pages(self, tenant_id: str, document_id: str) -> list[DocumentPage]:
        rows = await self._r.hgetall(f"{self._p}pages:{tenant_id}:{document_id}")
        return [DocumentPage.model_validate_json(body)
                for _, body in sorted(rows.items(), key=lambda kv: int(kv[0]))]

    async def replace_chunks(self, tenant_id: str, document_id: str,
                             chunks: Sequence[Chunk]) -> None:
        bodies, ids = f"{self._p}chunks:{tenant_id}:{document_id}", \
            f"{self._p}chunk-ids:{tenant_id}:{document_id}"
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(bodies, ids)
        if chunks:
            pipe.hset(bodies, mapping={str(c.ordinal): c.model_dump_json() for c in chunks})
            pipe.hset(ids, mapping={c.id: str(c.ordinal) for c in chunks})
        await pipe.execute()

    async def get_chunks(self, tenant_id: str, document_id: str, *, start: int = 0,
                         stop: int | None = None) -> list[Chunk]:
        key = f"{self._p}chunks:{tenant_id}:{document_id}"
        stop = stop if stop is not None else int(await self._r.hlen(key))
        if stop <= start:
            return []
        bodies = await self._r.hmget(key, [str(n) for n in range(start, stop)])
        return [Chunk.model_validate_json(body) for body in bodies if body is not None]

    async def find_chunk(self, tenant_id: str, document_id: str, chunk_id: str) -> Chunk | None:
        ordinal = await self._r.hget(f"{self._p}chunk-ids:{tenant_id}:{document_id}", chunk_id)
        if ordinal is None:
            return None
        body = await self._r.hget(f"{self._p}chunks:{tenant_id}:{document_id}", _text(ordinal))
        return None if body is None else Chunk.model_validate_json(body)

    # -- queries, conversations, usage -----------------------------------------------------

    async def save_query(self, query: QueryRecord) -> None:
        t, member = query.tenant_id, f"{_stamp(query.created_at)}|{query.id}"
        pipe = self._r.pipeline(transaction=True)
        pipe.set(f"{self._p}query:{t}:{query.id}", query.model_dump_json())
        pipe.zadd(f"{self._p}conv:{t}:{query.conversation_id}", {member: 0})
        if query.status is QueryStatus.RUNNING:
            pipe.sadd(f"{self._p}running", f"{t}|{query.id}")
        else:
            pipe.srem(f"{self._p}running", f"{t}|{query.id}")
        await pipe.execute()

    async def get_query(self, tenant_id: str, query_id: str) -> QueryRecord | None:
        return (await self._queries([(tenant_id, query_id)]))[0]

    async def _queries(self, ids: Sequence[tuple[str, str]]) -> list[QueryRecord | None]:
        """Query records in one round trip (``None`` where gone)."""
        if not ids:
            return []
        bodies = await self._r.mget([f"{self._p}query:{t}:{q}" for t, q in ids])
        return [None if b is None else QueryRecord.model_validate_json(b) for b in bodies]

    async def conversation(self, tenant_id: str, conversation_id: str) -> list[QueryRecord]:
        members = await self._r.zrangebylex(f"{self._p}conv:{tenant_id}:{conversation_id}",
                                            "-", "+")
        found = await self._queries([(tenant_id, _pair(m)[1]) for m in members])
        return [q for q in found if q is not None]

    async def unfinished_queries(self) -> list[QueryRecord]:
        members = await self._r.smembers(f"{self._p}running")
        found = await self._queries([_pair(m) for m in members])
        return sorted((q for q in found if q is not None and q.status is QueryStatus.RUNNING),
                      key=lambda q: q.created_at)

    async def record_usage(self, tenant_id: str, query_id: str, usage: Mapping[str, AgentUsage],
                           *, at: datetime) -> None:
        if not usage:
            return
        fields: dict[Any, Any] = {
            f"{query_id}|{agent}": json.dumps({**used.model_dump(), "at": _stamp(at)})
            for agent, used in usage.items()}
        pipe = self._r.pipeline(transaction=True)
        pipe.hset(f"{self._p}usage:{tenant_id}", mapping=fields)
        pipe.sadd(f"{self._p}usage-tenants", tenant_id)
        await pipe.execute()

    async def usage_totals(self, tenant_id: str | None = None, *, since: datetime | None = None,
                           until: datetime | None = None) -> list[UsageTotal]:
        tenants = [tenant_id] if tenant_id is not None else sorted(
            _text(t) for t in await self._r.smembers(f"{self._p}usage-tenants"))
        low, high = _stamp(since) if since else "", _stamp(until) if until else "~"
        totals: dict[tuple[str, str, str], dict[str, Any]] = {}
        for tenant in tenants:
            for field, body in (await self._r.hgetall(f"{self._p}usage:{tenant}")).items():
                row = json.loads(body)
                if not low <= row["at"] < high:
                    continue
                query_id, agent = _text(field).split("|", 1)
                total = totals.setdefault((tenant, agent, row["model"]), {
                    "queries": set(), "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0})
                total["queries"].add(query_id)
                total["input_tokens"] += row["input_tokens"]
                total["output_tokens"] += row["output_tokens"]
                total["cost_usd"] += row["cost_usd"]
        return [UsageTotal(tenant_id=t, agent=a, model=m, queries=len(v["queries"]),
                           input_tokens=v["input_tokens"], output_tokens=v["output_tokens"],
                           cost_usd=round(v["cost_usd"], 8))
                for (t, a, m), v in sorted(totals.items())]

    async def close(self) -> None:
        await self._r.aclose()
