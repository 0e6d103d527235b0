"""Chunking by the model's tokenizer: window, word boundaries, page ranges and spans."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agentflow.adapters.embed import wordpiece
from agentflow.adapters.embed.wordpiece import WordPieceTokenizer
from agentflow.adapters.extract.pymupdf_extractor import PyMuPdfExtractor
from agentflow.domain.documents import DocumentPage
from agentflow.domain.errors import AgentFlowError
from agentflow.ingestion.chunker import ChunkingPolicy, chunk_id, chunk_pages
from agentflow.ports.embedder import Embedder
from agentflow.runtime.embedding import default_model_dir


@pytest.fixture(scope="module")
def tokenizer() -> WordPieceTokenizer:
    return WordPieceTokenizer(default_model_dir(), max_tokens=254)


def page(number: int, text: str) -> DocumentPage:
    return DocumentPage(document_id="d", number=number, width=612, height=792, text=text, blocks=[])


def sentences(prefix: str, count: int) -> str:
    return " ".join(f"{prefix} sentence number {i} talks about revenue growth of 12.5%."
                    for i in range(count))


def chunk(pages: list[DocumentPage], tokenizer: WordPieceTokenizer, **policy: int) -> list:
    return chunk_pages(pages, tokenizer, ChunkingPolicy(max_tokens=254, **policy),
                       tenant_id="t", document_id="d")


def test_every_chunk_fits_the_model_window(tokenizer: WordPieceTokenizer) -> None:
    pages = [page(n, sentences(f"Page {n}", 60)) for n in range(1, 6)]
    chunks = chunk(pages, tokenizer)
    assert len(chunks) > 5
    for item in chunks:
        assert item.token_count == tokenizer.count(item.text) <= 254


def test_spans_point_at_the_exact_page_text(tokenizer: WordPieceTokenizer) -> None:
    pages = [page(n, sentences(f"Page {n}", 30)) for n in range(1, 4)]
    for item in chunk(pages, tokenizer):
        pieces = [pages[s.page - 1].text[s.start:s.end] for s in item.spans]
        assert item.text == "\n".join(pieces)
        assert item.page_start == item.spans[0].page and item.page_end == item.spans[-1].page


def test_chunks_cover_all_text_in_order(tokenizer: WordPieceTokenizer) -> None:
    pages = [page(n, sentences(f"P{n}", 25)) for n in range(1, 4)]
    chunks = chunk(pages, tokenizer, overlap_tokens=0)
    covered = {n: [False] * len(p.text) for n, p in enumerate(pages, start=1)}
    for item in chunks:
        for span in item.spans:
            covered[span.page][span.start:span.end] = [True] * (span.end - span.start)
    for number, flags in covered.items():
        text = pages[number - 1].text
        assert all(flag or text[i].isspace() for i, flag in enumerate(flags))
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_a_chunk_spanning_two_pages_keeps_both(tokenizer: WordPieceTokenizer) -> None:
    pages = [page(1, "Short first page about cash flows."), page(2, "Second page continues.")]
    (only,) = chunk(pages, tokenizer)
    assert (only.page_start, only.page_end) == (1, 2)
    assert [s.page for s in only.spans] == [1, 2]


def test_cuts_prefer_sentence_ends_and_never_split_words(tokenizer: WordPieceTokenizer) -> None:
    text = sentences("Extraordinarily", 80)
    chunks = chunk([page(1, text)], tokenizer, overlap_tokens=0)
    for item in chunks[:-1]:
        assert item.text.rstrip().endswith("."), item.text[-40:]
    joined_words = " ".join(c.text for c in chunks).split()
    assert joined_words == text.split()


def test_overlap_repeats_the_tail_of_the_previous_chunk(tokenizer: WordPieceTokenizer) -> None:
    chunks = chunk([page(1, sentences("Overlap", 80))], tokenizer, overlap_tokens=32)
    for left, right in itertools.pairwise(chunks):
        assert right.spans[0].start < left.spans[-1].end


def test_a_word_longer_than_the_window_is_cut_inside(tokenizer: WordPieceTokenizer) -> None:
    monster = "x" * 3000  # one "word" of far more than 254 word pieces
    chunks = chunk([page(1, f"Before. {monster} after.")], tokenizer, overlap_tokens=0)
    assert all(c.token_count <= 254 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "").count("x") == 3000


def test_chunk_ids_are_stable_uuids() -> None:
    assert chunk_id("doc", 3) == chunk_id("doc", 3) != chunk_id("doc", 4)
    assert len(chunk_id("doc", 3)) == 36


def test_no_text_gives_no_chunks(tokenizer: WordPieceTokenizer) -> None:
    assert chunk([page(1, "")], tokenizer) == []


def test_remembered_pieces_are_what_tokenising_the_chunk_gives(sec10q_dir: Path,
                                                              robustness_dir: Path) -> None:
    """Chunking hands the embedder each chunk's pieces; they must equal a fresh tokenisation,
    on real filings and on the robustness set's odd text (ligatures, zero-width and control
    characters, unmapped glyphs)."""
    remembering = WordPieceTokenizer(default_model_dir(), max_tokens=254)
    fresh = WordPieceTokenizer(default_model_dir(), max_tokens=254)
    extractor = PyMuPdfExtractor()
    pdfs = sorted(sec10q_dir.glob("*.pdf"))[:2] + sorted(robustness_dir.rglob("*.pdf"))
    remembered = 0
    for pdf in pdfs:
        try:
            count = extractor.inspect(pdf).page_count
        except AgentFlowError:
            continue
        pages = [p for p in extractor.extract(pdf, 1, min(count, 30), "d").pages if p.text]
        for policy in (ChunkingPolicy(max_tokens=254),
                       ChunkingPolicy(max_tokens=40, overlap_tokens=8, min_tokens=10)):
            chunks = chunk_pages(pages, remembering, policy, tenant_id="t", document_id="d")
            for item in chunks:
                with remembering._lock:
                    known = item.text in remembering._remembered
                remembered += known
                assert remembering.model_inputs(item.text).tolist() == fresh.ids(item.text)
    assert remembered > 100


def test_remembered_pieces_are_taken_once_and_bounded(tokenizer: WordPieceTokenizer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordpiece, "REMEMBERED_TEXTS", 3)
    own = WordPieceTokenizer(default_model_dir(), max_tokens=254)
    (ids, _), = own.pieces(["alpha beta"])
    own.remember("alpha beta", [7, 8])  # deliberately not its pieces: shows the memo is used
    assert own.model_inputs("alpha beta").tolist() == [101, 7, 8, 102]
    assert own.model_inputs("alpha beta").tolist() == [101, *ids, 102]  # taken once
    for n in range(5):
        own.remember(f"text {n}", [n])
    assert len(own._remembered) == 3 and "text 0" not in own._remembered
    own.remember("long", list(range(300)))  # over the window: never remembered
    assert "long" not in own._remembered


async def test_embedding_takes_the_pieces_chunking_remembered(embedder: Embedder) -> None:
    tokenizer = embedder.tokenizer
    assert isinstance(tokenizer, WordPieceTokenizer)
    pages = [page(1, sentences("Remembered", 40))]
    chunks = chunk_pages(pages, tokenizer, ChunkingPolicy(max_tokens=254), tenant_id="t",
                         document_id="memo")
    with tokenizer._lock:
        assert all(item.text in tokenizer._remembered for item in chunks)
    await embedder.embed_documents([item.text for item in chunks])
    with tokenizer._lock:  # taken by the embedder, not tokenised again and not kept
        assert not any(item.text in tokenizer._remembered for item in chunks)
