"""Real receivers the notification tests start on free ports (a module, not conftest).

webhook = WebhookReceiver(secret="...", statuses=[500, 500])   # then 200 for every later request
with webhook: ... webhook.url ... webhook.requests             # each with .verified (the receiver's check)

smtp = SmtpReceiver(username="u", password="p")                # aiosmtpd, AUTH without TLS allowed
with smtp: ... smtp.port ... smtp.messages                     # email.message.Message objects

The webhook receiver checks signatures the way docs/notifications.md tells a receiver to, written
here from that text (not with the portal's own helper).
"""

from __future__ import annotations

import email
import hashlib
import hmac
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

MAX_SKEW_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_url() -> str:
    """An http URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/hook"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class WebhookReceiver:
    secret: str | None = None  # None: accept without checking (a Slack-style receiver)
    statuses: list[int] = field(default_factory=list)  # answers to the first requests; then 200
    hang: threading.Event | None = None  # set: requests wait until it is set (a channel that never answers)
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.requests.append(Received(self.path, headers, body, receiver.check(headers, body)))
                if receiver.hang is not None:
                    receiver.hang.wait(30)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b"ok" if status < 400 else b"receiver says no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def check(self, headers: dict[str, str], body: bytes) -> bool:
        """The documented receiver check: HMAC-SHA256 over "<timestamp>.<raw body>", the timestamp
        within MAX_SKEW_SECONDS of this clock, compared in constant time."""
        if self.secret is None:
            return True
        timestamp = headers.get("x-portal-timestamp", "")
        signature = headers.get("x-portal-signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            return False
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        return hmac.compare_digest(f"sha256={expected.hexdigest()}", signature)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.hang is not None:
            self.hang.set()
        self._server.shutdown()
        self._server.server_close()


class _Handler:
    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content)
        message["X-Test-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"


class SmtpReceiver:
    """aiosmtpd on a free port; with a username, AUTH (PLAIN/LOGIN, without TLS) must match."""

    def __init__(self, username: str | None = None, password: str | None = None) -> None:
        self.messages: list[Message] = []
        self.logins: list[tuple[str, str]] = []
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if username is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                if isinstance(data, LoginPassword):
                    login, secret = data.login.decode(), data.password.decode()
                    self.logins.append((login, secret))
                    return AuthResult(success=login == username and secret == password, handled=False)
                return AuthResult(success=False, handled=False)

            kwargs = {"authenticator": authenticate, "auth_require_tls": False, "auth_required": True}
        self._controller = Controller(_Handler(self.messages), hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._controller.stop()
