"""Hostile PDFs built by hand: a content stream that inflates to hundreds of megabytes, and a
page tree that claims far more pages than it has."""

from __future__ import annotations

import zlib


def _pdf(count: int, content: bytes) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


def inflating_pdf(megabytes: int) -> bytes:
    """One page whose text is followed by ``megabytes`` MiB of blanks (~1 KB per MiB packed)."""
    packer = zlib.compressobj(1)
    parts = [packer.compress(b"BT /F1 12 Tf 72 720 Td (Hello from a bomb) Tj ET\n")]
    blanks = b" " * (1 << 20)
    parts += [packer.compress(blanks) for _ in range(megabytes)]
    parts.append(packer.flush())
    return _pdf(1, b"".join(parts))


def lying_page_count_pdf(claimed: int) -> bytes:
    packer = zlib.compressobj(1)
    return _pdf(claimed, packer.compress(b"BT /F1 12 Tf 72 720 Td (one page) Tj ET\n")
                + packer.flush())
