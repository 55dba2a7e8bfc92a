"""Real local servers for tests: an SMTP server (aiosmtpd) that keeps what it receives, and an HTTP message
gateway (SMS / WeChat) that follows the gateway contract of kefu/notify/channels/gateway.py. Both listen on
127.0.0.1 on a free port and stop when the `with` block ends."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# SMTP ---------------------------------------------------------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


class _Collector:
    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    collector: _Collector
    controller: Any

    @property
    def received(self) -> list[Received]:
        return self.collector.received

    def settings(self) -> dict[str, Any]:
        """Django settings that send through this server (for override_settings / the settings fixture)."""
        return smtp_settings(self.host, self.port)


def smtp_settings(host: str, port: int) -> dict[str, Any]:
    options = {"host": host, "port": port, "use_tls": False, "use_ssl": False, "timeout": 5}
    return {"MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}}


@contextmanager
def smtp_server(port: int = 0) -> Iterator[SmtpServer]:
    """A running SMTP server (on `port`, or a free one). Once stopped it cannot start again: to test a server
    that comes back, point the settings at a free port first and open the server there later."""
    from aiosmtpd.controller import Controller

    collector = _Collector()
    port = port or free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    server = SmtpServer("127.0.0.1", port, collector, controller)
    try:
        yield server
    finally:
        with contextlib.suppress(AssertionError, RuntimeError):  # already stopped by the test
            controller.stop()


# HTTP gateway ---------------------------------------------------------------------------------------------------


@dataclass
class Gateway:
    """What the gateway has seen. `fail_with` makes the next `fail_times` requests answer that status."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)  # every POST, repeats included
    delivered: list[dict[str, Any]] = field(default_factory=list)  # messages passed on to phones, once per key
    accepted: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> id
    fail_with: int = 0
    fail_times: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.fail_with, self.fail_times = status, times


def _handler(gw: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            key = self.headers.get("Idempotency-Key", "")
            with gw.lock:
                gw.requests.append({"key": key, "auth": self.headers.get("Authorization", ""), "payload": payload})
                if gw.fail_times > 0:
                    gw.fail_times -= 1
                    self._answer(gw.fail_with, {"error": "failing on purpose"})
                    return
                if not key:
                    self._answer(400, {"error": "Idempotency-Key required"})
                    return
                if key not in gw.accepted:
                    gw.accepted[key] = f"msg-{len(gw.accepted) + 1}"
                    gw.delivered.append(payload)
                self._answer(200, {"id": gw.accepted[key]})

    return Handler


@contextmanager
def gateway_server() -> Iterator[Gateway]:
    gw = Gateway()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gw))
    gw.url = f"http://127.0.0.1:{httpd.server_address[1]}/send"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw
    finally:
        httpd.shutdown()
        httpd.server_close()
