"""The embedding model's own WordPiece tokenizer (``tokenizers``, Rust)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

# Chunks remembered between chunking and embedding: a few documents' worth (~2 KB each).
REMEMBERED_TEXTS = 8192


class WordPieceTokenizer:
    """Counts and locates word pieces exactly as the model will see them."""

    def __init__(self, model_dir: Path, max_tokens: int) -> None:
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.max_tokens = max_tokens  # content pieces, [CLS] and [SEP] excluded
        self._cls, self._sep = self._tokenizer.encode("").ids  # [CLS] [SEP]
        self._remembered: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def pieces(self, texts: Sequence[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [(encoding.ids, encoding.offsets) for encoding in encodings]

    def remember(self, text: str, ids: Sequence[int]) -> None:
        """Keep ``text``'s pieces until it is embedded (``model_inputs`` takes them once);
        the oldest go first past ``REMEMBERED_TEXTS``, so chunks never embedded cannot pile up."""
        if len(ids) > self.max_tokens:
            return
        row = np.empty(len(ids) + 2, dtype=np.int64)
        row[0], row[1:-1], row[-1] = self._cls, ids, self._sep
        with self._lock:
            self._remembered[text] = row
            while len(self._remembered) > REMEMBERED_TEXTS:
                self._remembered.popitem(last=False)

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def model_inputs(self, text: str) -> np.ndarray:
        """``ids`` as the model reads them (int64); a remembered text is not tokenised again."""
        with self._lock:
            row = self._remembered.pop(text, None)
        return row if row is not None else np.asarray(self.ids(text), dtype=np.int64)

    def ids(self, text: str) -> list[int]:
        """Ids of one text with special tokens, truncated to the window."""
        ids: list[int] = self._tokenizer.encode(text).ids
        window = self.max_tokens + 2
        return ids if len(ids) <= window else [*ids[: window - 1], ids[-1]]

    def batch_inputs(self, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
        """Ids and attention masks with special tokens, truncated to the window, padded."""
        window = self.max_tokens + 2
        encodings = self._tokenizer.encode_batch(texts)
        ids = [e.ids if len(e.ids) <= window else [*e.ids[: window - 1], e.ids[-1]] for e in encodings]
        width = max(len(row) for row in ids)
        masks = [[1] * len(row) + [0] * (width - len(row)) for row in ids]
        padded = [row + [0] * (width - len(row)) for row in ids]
        return padded, masks
