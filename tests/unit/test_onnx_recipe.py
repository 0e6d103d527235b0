"""The int8 export recipe follows the CPU: full-range weights only where VNNI exists."""

from __future__ import annotations

from pathlib import Path

from agentflow.adapters.embed.onnx_export import cpu_has_vnni


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 avx2 {flags}\n")
    return path


def test_vnni_is_detected_from_the_cpu_flags(tmp_path: Path) -> None:
    assert cpu_has_vnni(_cpuinfo(tmp_path, "avx512f avx512_vnni"))
    assert cpu_has_vnni(_cpuinfo(tmp_path, "avx_vnni"))


def test_plain_avx2_has_no_vnni(tmp_path: Path) -> None:
    assert not cpu_has_vnni(_cpuinfo(tmp_path, "avx512f avx512bw"))


def test_an_unreadable_cpuinfo_means_no_vnni(tmp_path: Path) -> None:
    assert not cpu_has_vnni(tmp_path / "missing")
