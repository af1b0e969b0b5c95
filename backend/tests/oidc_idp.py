"""A real OpenID Connect provider for tests: oidc-provider-mock's Flask app (its own RSA key,
discovery document, JWKS, authorization and token endpoints) served by werkzeug on a free port
in a thread.

    with running_idp() as idp:
        await idp.set_user("alice", {"email": "alice@example.com", "portal_role": "operator"})
        callback_url = await idp.authorize(authorization_url, "alice")   # the user clicks "Authorize"
        idp.tamper = "expired"   # the next ID token is altered on its way out (see TAMPERINGS)

The provider includes every non-standard claim of a user (here `portal_role`) in the ID token and
at userinfo. `token_requests` keeps the form of each token request (to check the PKCE verifier).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import flask
import httpx
import oidc_provider_mock
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey

Tampering = Literal[
    "altered_payload",  # a claim changed after signing (the signature no longer matches)
    "foreign_key",  # signed by a key that is not in the provider's JWKS (same kid)
    "foreign_issuer",  # signed by the provider, but `iss` names another issuer
    "wrong_audience",  # signed by the provider for another client
    "expired",  # signed by the provider, expired 10 minutes ago
    "wrong_nonce",  # signed by the provider for another login (a replayed token)
    "without_email_and_role",  # signed by the provider, email and portal_role left to userinfo
]
TAMPERINGS: tuple[Tampering, ...] = (
    "altered_payload",
    "foreign_key",
    "foreign_issuer",
    "wrong_audience",
    "expired",
    "wrong_nonce",
)


class TestIdp:
    __test__ = False  # not a test class

    def __init__(self, port: int) -> None:
        self.issuer = f"http://localhost:{port}"
        self.tamper: Tampering | None = None
        self.token_requests: list[dict[str, str]] = []

    async def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """Create or replace a user at the provider (its claims: email, name, portal_role, ...)."""
        async with httpx.AsyncClient() as http:
            response = await http.put(f"{self.issuer}/users/{sub}", json=claims)
            assert response.status_code == 204, response.text

    async def authorize(self, authorization_url: str, sub: str, *, deny: bool = False) -> str:
        """The user's answer on the provider's consent page; returns where the provider sends the
        browser (the portal's callback with code and state, or an error)."""
        assert authorization_url.startswith(f"{self.issuer}/"), authorization_url
        form = {"action": "deny"} if deny else {"sub": sub}
        async with httpx.AsyncClient() as http:
            response = await http.post(authorization_url, data=form)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    # Flask hooks (run in the provider's threads).

    def _before(self) -> None:
        if flask.request.path == "/oauth2/token":
            self.token_requests.append(dict(flask.request.form))

    def _after(self, response: flask.Response) -> flask.Response:
        if flask.request.path != "/oauth2/token" or response.status_code != 200 or self.tamper is None:
            return response
        body = json.loads(response.get_data())
        body["id_token"] = _tampered(body["id_token"], self.tamper, _provider_key())
        response.set_data(json.dumps(body))
        return response


def _provider_key() -> RSAKey:
    # The provider's signing key, as its own token endpoint uses it (oidc-provider-mock keeps its
    # storage on flask.g for the request).
    storage = flask.g.oidc_provider_mock_storage
    return RSAKey.import_key(storage.jwk.as_dict(is_private=True))


def _tampered(id_token: str, how: Tampering, key: RSAKey) -> str:
    decoded = jwt.decode(id_token, key)
    header, claims = dict(decoded.header), dict(decoded.claims)
    if how == "altered_payload":
        head, _, signature = id_token.split(".")
        claims["portal_role"] = "admin"
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"{head}.{payload}.{signature}"
    if how == "foreign_key":
        key = RSAKey.generate_key(2048, parameters={"kid": header.get("kid", "")}, private=True)
    elif how == "foreign_issuer":
        claims["iss"] = "http://issuer.evil.example"
    elif how == "wrong_audience":
        claims["aud"] = "another-application"
    elif how == "expired":
        now = int(time.time())
        claims.update(iat=now - 1200, exp=now - 600)
    elif how == "wrong_nonce":
        claims["nonce"] = "a-nonce-from-another-login"
    elif how == "without_email_and_role":
        claims.pop("email", None)
        claims.pop("portal_role", None)
    return jwt.encode(header, claims, key)


@contextmanager
def running_idp() -> Iterator[TestIdp]:
    app = oidc_provider_mock.app(require_nonce=True)
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    idp = TestIdp(server.server_port)
    app.before_request(idp._before)
    app.after_request(idp._after)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
