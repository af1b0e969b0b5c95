"""frontend/nginx.conf served by a real nginx (Debian's nginx-light, `make tools`).

Only the addresses change from the compose deployment: the backend service name becomes a local
upstream, the listen port a free one, the document root a temporary build. The upstream is a small
HTTP server in this process standing in for the backend, because what is under test is the proxy:
that SSE events are not buffered, uploads are not capped or spooled, SPA routes fall back to
index.html, and requests reach the backend with their forwarding headers.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "frontend" / "nginx.conf"


@dataclass
class Upstream:
    """What the stand-in backend saw, and the switch that lets its SSE response finish."""

    requests: list[dict[str, object]] = field(default_factory=list)
    release_stream: threading.Event = field(default_factory=threading.Event)


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

        def _record(self, body_bytes: int = 0) -> None:
            upstream.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body_bytes": body_bytes,
                }
            )

        def do_GET(self) -> None:
            self._record()
            if self.path.endswith("/stream"):
                self._stream()
                return
            self._json({"ok": True})

        def do_POST(self) -> None:
            # nginx streams the body (proxy_request_buffering off): HTTP/1.1 chunked or with a length.
            received = 0
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                while (size := int(self.rfile.readline().strip(), 16)) > 0:
                    received += len(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
            else:
                received = len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self._record(received)
            self._json({"received": received})

        def _json(self, payload: dict[str, object]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"id: 1\nevent: snapshot\ndata: {}\n\n")
            self.wfile.flush()
            # The end event only follows once the client has seen the first one: a buffering proxy
            # would hold the first event back until then, and the client would time out.
            upstream.release_stream.wait(timeout=10)
            self.wfile.write(b"id: 2\nevent: end\ndata: {}\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"nginx.conf no longer contains {old!r} exactly once"
    return text.replace(old, new)


@dataclass
class Proxy:
    url: str
    upstream: Upstream


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (make tools installs Debian's nginx-light)")

    upstream = Upstream()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    html = tmp_path / "html"
    (html / "assets").mkdir(parents=True)
    (html / "index.html").write_text("<!doctype html><title>ETL Portal</title>")
    (html / "assets" / "index-3f9a.js").write_text("console.log('portal')")

    port = _free_port()
    conf = NGINX_CONF.read_text()
    conf = _replace_once(conf, "resolver 127.0.0.11 valid=10s ipv6=off;", "")
    conf = _replace_once(
        conf, "set $backend http://backend:8000;", f"set $backend http://127.0.0.1:{server.server_port};"
    )
    conf = _replace_once(conf, "listen 80;", f"listen 127.0.0.1:{port};")
    conf = _replace_once(conf, "root /usr/share/nginx/html;", f"root {html};")
    (tmp_path / "portal.conf").write_text(conf)
    (tmp_path / "logs").mkdir()
    # As root, nginx would run its workers as "nobody", who cannot enter pytest's private tmp_path.
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"""
        {user}
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/logs/error.log;
        events {{}}
        http {{
            include /etc/nginx/mime.types;
            access_log off;
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi;
            uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
            include {tmp_path}/portal.conf;
        }}
        """
    )
    process = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    _, stderr = process.communicate(timeout=5)
                    pytest.fail(f"nginx did not start: {stderr.decode()}")
                time.sleep(0.05)
        yield Proxy(url=f"http://127.0.0.1:{port}", upstream=upstream)
    finally:
        upstream.release_stream.set()
        process.terminate()
        process.wait(timeout=10)
        server.shutdown()
        server.server_close()


def test_the_config_passes_nginx_syntax_check(proxy: Proxy) -> None:
    # The fixture started nginx with it; a broken file never gets here.
    assert httpx.get(f"{proxy.url}/").status_code == 200


def test_sse_events_reach_the_browser_while_the_stream_is_still_open(proxy: Proxy) -> None:
    timeout = httpx.Timeout(10.0, read=3.0)
    with httpx.stream("GET", f"{proxy.url}/api/v1/job-runs/7/stream", timeout=timeout) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        first = [next(lines) for _ in range(3)]
        assert first == ["id: 1", "event: snapshot", "data: {}"]
        proxy.upstream.release_stream.set()
        rest = list(lines)
    assert "event: end" in rest


def test_api_requests_reach_the_backend_with_forwarding_headers_and_request_id(proxy: Proxy) -> None:
    response = httpx.get(f"{proxy.url}/api/v1/jobs?offset=0&limit=5", headers={"X-Request-ID": "abc123"})
    assert response.json() == {"ok": True}
    seen = proxy.upstream.requests[-1]
    headers = {k.lower(): v for k, v in seen["headers"].items()}  # type: ignore[attr-defined]
    assert seen["path"] == "/api/v1/jobs?offset=0&limit=5"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-request-id"] == "abc123"

    httpx.get(f"{proxy.url}/health")
    generated = {k.lower(): v for k, v in proxy.upstream.requests[-1]["headers"].items()}  # type: ignore[attr-defined]
    assert proxy.upstream.requests[-1]["path"] == "/health"
    assert len(generated["x-request-id"]) == 32  # nginx's $request_id when the client sent none

    httpx.get(f"{proxy.url}/openapi.json")
    assert proxy.upstream.requests[-1]["path"] == "/openapi.json"  # the spec, not the SPA's index.html


def test_uploads_larger_than_nginx_defaults_reach_the_backend_whole(proxy: Proxy) -> None:
    body = b"id,name\n" + b"1,a\n" * (3 * 1024 * 1024 // 4)  # 3 MB; nginx's default cap is 1 MB
    response = httpx.post(
        f"{proxy.url}/api/v1/sources/csv/upload",
        content=body,
        headers={"Content-Type": "text/csv"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json() == {"received": len(body)}


def test_client_routes_fall_back_to_index_and_hashed_assets_are_cached_for_good(proxy: Proxy) -> None:
    page = httpx.get(f"{proxy.url}/jobs/12")
    assert page.status_code == 200
    assert "<title>ETL Portal</title>" in page.text
    assert page.headers["cache-control"] == "no-cache"

    asset = httpx.get(f"{proxy.url}/assets/index-3f9a.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert httpx.get(f"{proxy.url}/assets/missing.js").status_code == 404
