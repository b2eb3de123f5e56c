"""A small real SMTP server on loopback for the outbox tests: it speaks enough SMTP for
Django's SMTP backend (smtplib), keeps each message it accepts, and answers 550 to RCPT for
the addresses it is told to refuse."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: str


@dataclass
class Mailbox:
    refuse: set[str] = field(default_factory=set)
    messages: list[Received] = field(default_factory=list)
    rcpt_log: list[str] = field(default_factory=list)
    delay: float = 0  # seconds to wait before accepting each message (a slow server)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered_to(self) -> list[str]:
        with self.lock:
            return sorted(r for m in self.messages for r in m.recipients)


def _address(arg: str) -> str:
    return arg.split(":", 1)[1].strip().split()[0].strip("<>").lower()


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _say(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        box = self.server.mailbox
        self._say("220 localhost test SMTP")
        sender, recipients = "", list[str]()
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 localhost")
            elif verb == "MAIL":
                sender, recipients = _address(line), []
                self._say("250 OK")
            elif verb == "RCPT":
                address = _address(line)
                with box.lock:
                    box.rcpt_log.append(address)
                if address in box.refuse:
                    self._say("550 5.1.1 No such mailbox here")
                else:
                    recipients.append(address)
                    self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(chunk.decode("utf-8", "replace"))
                time.sleep(box.delay)
                with box.lock:
                    box.messages.append(Received(sender, recipients, "".join(lines)))
                self._say("250 OK queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self._say("250 OK")
            elif verb == "NOOP":
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    mailbox: Mailbox


class SMTPServer:
    """``with SMTPServer() as smtp:`` serves on ``smtp.port`` until the block ends."""

    def __init__(self, port: int = 0, refuse: set[str] | None = None, delay: float = 0) -> None:
        self.mailbox = Mailbox(refuse={a.lower() for a in refuse or set()}, delay=delay)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.mailbox = self.mailbox
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SMTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def free_port() -> int:
    """A loopback port where nothing listens (bound for a moment, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
