"""The autouse guard: connections leave loopback only over its dead body."""

from __future__ import annotations

import socket

import pytest


def test_a_non_loopback_connection_fails_the_test() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="non-loopback"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(AssertionError):
        sock.connect_ex(("2001:db8::1", 80, 0, 0))


def test_loopback_connections_are_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
