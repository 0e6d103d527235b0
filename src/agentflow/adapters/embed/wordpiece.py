"""The embedding model's own WordPiece tokenizer (``tokenizers``, Rust)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tokenizers import Tokenizer


class WordPieceTokenizer:
    """Counts and locates word pieces exactly as the model will see them."""

    def __init__(self, model_dir: Path, max_tokens: int) -> None:
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.max_tokens = max_tokens  # content pieces, [CLS] and [SEP] excluded

    def offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [list(encoding.offsets) for encoding in encodings]

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

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
