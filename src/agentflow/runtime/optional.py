"""The one way the composition root imports what it may not import statically.

Two kinds of module are loaded by name: the parts of an optional extra (Redis, Dapr, Ray, the
Qdrant server's client: ``pip install 'agentflow[distributed]'``), and the portions above the
core (``agentflow.agents``, ``agentflow.ray_tasks``), which the core must not import by the
dependency rule. A missing module of an extra names that extra; a missing base module is a
broken install and says so.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from agentflow.domain.errors import DependencyMissing

EXTRAS = frozenset({"distributed", "bench"})  # [project.optional-dependencies] users install


def load(module: str, extra: str | None = None) -> ModuleType:
    """``module``, imported; ``extra``: the optional extra it comes with (``None``: the base
    install)."""
    if extra is not None and extra not in EXTRAS:
        raise ValueError(f"no extra {extra!r}: one of {sorted(EXTRAS)}")
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        how = (f"pip install 'agentflow[{extra}]'" if extra is not None
               else "it is part of the base install: reinstall agentflow (make install)")
        raise DependencyMissing(f"{module} cannot be imported ({exc}); {how}",
                                module=module, extra=extra or "") from exc
