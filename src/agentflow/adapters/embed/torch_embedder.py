"""``Embedder`` on PyTorch (``transformers``): the reference the ONNX runtime is checked against."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agentflow.adapters.embed.wordpiece import WordPieceTokenizer


class TorchEmbedder:
    """Mean-pooled, normalised all-MiniLM-L6-v2 on PyTorch: the CPU build here, CUDA on Ray's
    GPU actors."""

    dimension = 384

    def __init__(self, model_dir: Path, tokenizer: WordPieceTokenizer, *, name: str,
                 batch_size: int = 32, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        self.name = name
        self._torch = torch
        self._device = torch.device(device)
        self._model = AutoModel.from_pretrained(str(model_dir)).eval().to(self._device)
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> WordPieceTokenizer:
        return self._tokenizer

    def embed_sync(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(texts), self._batch_size):
            ids, masks = self._tokenizer.batch_inputs(list(texts[begin:begin + self._batch_size]))
            input_ids = torch.tensor(ids, device=self._device)
            attention = torch.tensor(masks, device=self._device)
            with self._lock, torch.inference_mode():
                hidden = self._model(input_ids=input_ids, attention_mask=attention,
                                     token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            weights = attention.unsqueeze(-1).float()
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
            out[begin:begin + len(ids)] = pooled.cpu().numpy()
        return out

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return (await asyncio.to_thread(self.embed_sync, list(texts))).tolist()  # type: ignore[no-any-return]

    async def embed_query(self, text: str) -> list[float]:
        return (await asyncio.to_thread(self.embed_sync, [text]))[0].tolist()  # type: ignore[no-any-return]
