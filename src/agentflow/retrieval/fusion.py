"""Weighted reciprocal-rank fusion of ranked lists, by item id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def fuse_ranks(rankings: Sequence[tuple[float, Sequence[T]]], key: Callable[[T], str], *,
               k: int = 60) -> list[T]:
    """One list from several ``(weight, ranked items)``: each item scores the sum of
    ``weight / (k + rank)`` over the lists holding it (rank from 1), best first; the first
    list's copy of an item is kept, ties keep first-seen order."""
    scores: dict[str, float] = {}
    items: dict[str, T] = {}
    for weight, ranked in rankings:
        for rank, item in enumerate(ranked, start=1):
            ident = key(item)
            scores[ident] = scores.get(ident, 0.0) + weight / (k + rank)
            items.setdefault(ident, item)
    order = sorted(scores, key=lambda ident: -scores[ident])
    return [items[ident] for ident in order]
