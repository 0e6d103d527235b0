"""Readiness: whether the stores a process depends on answer, each within a deadline.

Liveness (``/healthz``) says the process serves requests; readiness (``/readyz``) says it can do
its work now, so a load balancer or Kubernetes stops sending it traffic while Redis, Qdrant or
the catalog are out of reach, without restarting it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from agentflow.runtime.container import Container

Check = Callable[[], Awaitable[object]]
_PROBE = "__readyz__"  # a tenant no one has: the calls touch the stores, not anyone's data


class Readiness(BaseModel):
    """Each dependency's state: ``ok`` or why it is not."""

    ready: bool
    checks: dict[str, str]


async def _run(check: Check, timeout_s: float) -> str:
    try:
        await asyncio.wait_for(check(), timeout_s)
    except TimeoutError:
        return f"no answer within {timeout_s:g} s"
    except Exception as error:  # any failure of a dependency means not ready; say which
        return f"{type(error).__name__}: {str(error)[:200]}"
    return "ok"


async def probe(checks: Mapping[str, Check], *, timeout_s: float = 2.0) -> Readiness:
    """Run every check at once; ready when all of them answer in time."""
    outcomes = await asyncio.gather(*(_run(check, timeout_s) for check in checks.values()))
    results = dict(zip(checks, outcomes, strict=True))
    return Readiness(ready=all(o == "ok" for o in outcomes), checks=results)


def store_checks(container: Container) -> dict[str, Check]:
    """The shared stores every AgentFlow process reads or writes."""
    return {
        "catalog": lambda: container.catalog.list_documents(_PROBE, limit=1),
        "vector_index": lambda: container.index.count(_PROBE),
        "event_log": lambda: container.events.last(_PROBE),
    }
