"""Where tenants' embedding endpoints may point: public addresses and the operator's list."""

from __future__ import annotations

import pytest

from agentflow.domain.errors import UnusableEmbeddingModel
from agentflow.ingestion.endpoint_guard import EndpointGuard
from agentflow.settings import EmbeddingSettings


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data",  # a cloud's metadata service
    "http://127.0.0.1:6379/v1", "http://localhost:8000/v1", "http://[::1]/v1",
    "http://10.0.0.5/v1", "http://192.168.1.1/v1", "http://172.16.0.1/v1",
    "http://0.0.0.0/v1", "http://[::ffff:127.0.0.1]/v1", "http://100.64.0.1/v1",
    "http://224.0.0.1/v1",
    # IPv6 forms that carry an internal IPv4 address: NAT64, 6to4, IPv4-translated.
    "http://[64:ff9b::a00:105]/v1", "http://[2002:a9fe:a9fe::1]/v1",
    "http://[::ffff:0:a9fe:a9fe]/v1",
])
async def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnusableEmbeddingModel, match="internal address"):
        await EndpointGuard().check(url)


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/v1", "http:///v1", "file:///etc/passwd",
                                 "http://8.8.8.8:99999/v1", "http://[::1", "http://a]b/v1",
                                 "http://\x8b.example/v1", f"http://{'a' * 64}.example/v1"])
async def test_urls_without_an_http_host_and_port_are_refused(url: str) -> None:
    with pytest.raises(UnusableEmbeddingModel):
        await EndpointGuard().check(url)


async def test_public_addresses_pass() -> None:
    await EndpointGuard().check("https://8.8.8.8/v1")  # a literal: nothing is resolved
    await EndpointGuard().check("http://[2001:4860:4860::8888]:8080/v1")


async def test_the_operator_allows_internal_hosts_and_ranges() -> None:
    # As the environment gives it: AGENTFLOW_EMBEDDING__INTERNAL_ENDPOINTS=a,b,c
    settings = EmbeddingSettings.model_validate(
        {"internal_endpoints": "localhost, 10.0.0.0/8,embed.internal."})
    guard = EndpointGuard.allowing(settings.internal_endpoints)
    await guard.check("http://localhost:8000/v1")
    await guard.check("http://10.20.30.40/v1")
    await guard.check("http://EMBED.internal/v1")  # by name: not resolved at all
    with pytest.raises(UnusableEmbeddingModel) as refused:
        await guard.check("http://192.168.0.10/v1")
    assert "192.168" not in refused.value.detail  # no internal address is echoed
    # An entry written as a URL or with a port names its host.
    await EndpointGuard.allowing(["http://embed.internal:8000/"]).check(
        "http://embed.internal:8000/v1")
