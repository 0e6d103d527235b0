"""Store outages as ``StoreUnavailable``: one translation for every adapter of a shared store.

A Redis (or Qdrant server) restart must look the same to every caller: a retryable AgentFlow
error that activities retry and the gateway answers with 503 and ``Retry-After``, never a
driver's own exception type leaking out as a 500.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from agentflow.domain.errors import StoreUnavailable

T = TypeVar("T")


def translate_outages(store: str, *errors: type[BaseException]) -> Callable[[type[T]], type[T]]:
    """Class decorator: the public coroutine methods raise ``StoreUnavailable`` for ``errors``."""

    def decorate(cls: type[T]) -> type[T]:
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or not inspect.iscoroutinefunction(member):
                continue
            setattr(cls, name, _guarded(store, member, errors))
        return cls

    return decorate


def _guarded(store: str, method: Callable[..., Awaitable[Any]],
             errors: tuple[type[BaseException], ...]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except errors as error:
            raise StoreUnavailable(f"{store} is unavailable: {error}", store=store) from error

    return guarded
