"""JWT verification: HS256 with a shared secret, or RS256 with a public key or a JWKS file.

Only those algorithms are accepted (so ``alg: none`` and HS/RS confusion are refused); ``exp`` is
required and must be near (``max_token_lifetime_s``); the clock skew allowed is bounded; the
``tenant_id`` and ``role`` claims name the principal.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from pydantic import ValidationError

from agentflow.domain.errors import Unauthenticated
from agentflow.domain.identity import Principal
from agentflow.settings import AuthSettings


class JwtVerifier:
    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._keys: dict[str, tuple[Any, str]] = {}  # kid ("" for the only key) -> key, alg
        if settings.jwt_secret is not None:
            self._keys[""] = (settings.jwt_secret.get_secret_value(), "HS256")
        if settings.jwt_public_key_file is not None:
            self._keys[""] = (settings.jwt_public_key_file.read_text(), "RS256")
        if settings.jwks_file is not None:
            jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwks_file.read_text()))
            for key in jwks.keys:
                self._keys[key.key_id or ""] = (key.key, "RS256")

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is not a JWT or an API key") from None
        key, algorithm = self._keys.get(str(header.get("kid", "")), (None, ""))
        if key is None or header.get("alg") != algorithm:
            raise Unauthenticated("the token's key or algorithm is not accepted")
        settings = self._settings
        try:
            claims = jwt.decode(
                token, key, algorithms=[algorithm], leeway=settings.clock_skew_s,
                audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                options={"require": ["exp"], "verify_aud": settings.jwt_audience is not None})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"the token is invalid ({type(error).__name__})") from None
        self._check_lifetime(claims)
        try:
            return Principal(tenant_id=claims["tenant_id"], role=claims["role"],
                             subject=str(claims.get("sub", "")), method="jwt")
        except (KeyError, ValidationError):
            raise Unauthenticated("the token needs tenant_id and role (user or admin) "
                                  "claims") from None

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        limit = self._settings.max_token_lifetime_s + self._settings.clock_skew_s
        expires = float(claims["exp"])
        issued = float(claims.get("iat", time.time()))
        if expires - issued > limit or expires - time.time() > limit:
            raise Unauthenticated(f"the token lives longer than the "
                                  f"{self._settings.max_token_lifetime_s}s allowed")
