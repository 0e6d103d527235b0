"""JWT edge cases: what ``JwtVerifier`` accepts and refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from agentflow.auth.tokens import JwtVerifier
from agentflow.domain.errors import InvalidInput, Unauthenticated
from agentflow.domain.identity import Role
from agentflow.settings import AuthSettings

SECRET = "0123456789abcdef0123456789abcdef-test-only"


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "u1", "tenant_id": "acme", "role": "user", "iat": now, "exp": now + 300,
            **extra}


def hs256(**extra: Any) -> str:
    return jwt.encode(claims(**extra), SECRET, algorithm="HS256")


@pytest.fixture
def verifier() -> JwtVerifier:
    return JwtVerifier(AuthSettings(enabled=True, jwt_secret=SecretStr(SECRET)))


def test_a_valid_token_names_tenant_and_role(verifier: JwtVerifier) -> None:
    principal = verifier.verify(hs256(role="admin"))
    assert (principal.tenant_id, principal.role, principal.subject) == ("acme", Role.ADMIN, "u1")


@pytest.mark.parametrize(("token", "why"), [
    (lambda: hs256(exp=int(time.time()) - 120), "expired"),
    (lambda: jwt.encode(claims(), "another-secret-another-secret-0000", algorithm="HS256"),
     "invalid"),
    (lambda: jwt.encode(claims(), None, algorithm="none"), "algorithm"),
    (lambda: jwt.encode({k: v for k, v in claims().items() if k != "exp"}, SECRET,
                        algorithm="HS256"), "invalid"),
    (lambda: hs256(exp=int(time.time()) + 86_400), "longer"),
    (lambda: hs256(iat=int(time.time()) - 7200, exp=int(time.time()) + 60), "longer"),
    (lambda: jwt.encode({**claims(), "tenant_id": None}, SECRET, algorithm="HS256"),
     "tenant_id and role"),
    (lambda: hs256(role="superuser"), "tenant_id and role"),
    (lambda: hs256(tenant_id="../etc"), "tenant_id and role"),
    (lambda: "not-a-jwt", "not a JWT"),
])
def test_bad_tokens_are_refused(verifier: JwtVerifier, token: Any, why: str) -> None:
    with pytest.raises(Unauthenticated, match=why):
        verifier.verify(token())


def test_clock_skew_is_tolerated_but_bounded(verifier: JwtVerifier) -> None:
    verifier.verify(hs256(exp=int(time.time()) - 10))  # within the 30 s allowed
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(hs256(exp=int(time.time()) - 45))


def _rsa() -> tuple[Any, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, public.decode()


def _hmac_token(payload: dict[str, Any], secret: bytes) -> str:
    """An HS256 token built by hand (PyJWT refuses to sign with a public key, attackers don't)."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing = f"{header}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{b64(signature)}"


def test_rs256_with_a_public_key_or_a_jwks_file(tmp_path: Path) -> None:
    key, public = _rsa()
    (tmp_path / "key.pem").write_text(public)
    by_pem = JwtVerifier(AuthSettings(enabled=True, jwt_public_key_file=tmp_path / "key.pem"))
    assert by_pem.verify(jwt.encode(claims(), key, algorithm="RS256")).tenant_id == "acme"
    # An HS256 token signed with the public key as secret (algorithm confusion) is refused.
    forged = _hmac_token(claims(), public.encode())
    with pytest.raises(Unauthenticated):
        by_pem.verify(forged)

    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1",
                                                              "use": "sig", "alg": "RS256"}]}))
    by_jwks = JwtVerifier(AuthSettings(enabled=True, jwks_file=tmp_path / "jwks.json"))
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "k1"})
    assert by_jwks.verify(token).role is Role.USER
    with pytest.raises(Unauthenticated):
        by_jwks.verify(jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "k2"}))


@pytest.mark.parametrize("secret", ["secret", "changeme", "short-but-random-x"])
def test_guessable_secrets_refuse_to_start(secret: str) -> None:
    with pytest.raises(InvalidInput, match="at least 32"):
        AuthSettings(enabled=True, jwt_secret=SecretStr(secret)).check_secrets()
