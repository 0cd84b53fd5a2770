"""A real SMTP server that keeps every message it receives as an ``.eml`` file (aiosmtpd).

The stack (``make stack``) and the tests deliver the portal's email to it, so what a resident would
receive can be read: ``instance/stack/mail/<outbox id>.eml``. A message sent twice (the same outbox id,
e.g. after a worker died between the server's "accepted" and the outbox's record of it) lands in the
same file, and ``received.log`` keeps one line per receipt, so duplicates can be counted.

Run on its own: ``python -m deploy.mailsink --port 8025 --directory instance/stack/mail``.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import os
import re
import socket
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: MailSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.sink.refuse:
            return self.sink.refuse
        self.sink.keep(envelope.content, envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on 127.0.0.1 writing each message to ``directory``; ``refuse`` makes it answer with an error."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.refuse: str | None = None  # e.g. "451 4.3.0 Try again later" or "550 5.1.1 No such user"
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> MailSink:
        """Start serving in a background thread."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._controller.stop()

    def keep(self, content: bytes, recipients: list[str]) -> Path:
        """Write one received message (atomically) and log its receipt."""
        message = email.message_from_bytes(content, policy=email.policy.default)
        key = message.get("X-Outbox-Id") or message.get("Message-ID") or f"{time.time_ns()}"
        name = re.sub(r"[^A-Za-z0-9._@-]", "_", str(key).strip("<>"))[:150] + ".eml"
        path = self.directory / name
        with self._lock:
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(content)
            os.replace(temporary, path)
            with open(self.directory / "received.log", "a", encoding="utf-8") as log:
                log.write(f"{name}\t{','.join(recipients)}\t{message.get('Subject', '')}\n")
        return path

    def messages(self) -> list[email.message.EmailMessage]:
        """Every message kept, oldest first."""
        paths = sorted(self.directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]

    def receipts(self) -> list[str]:
        """The file name of every message received, once per receipt (a duplicate shows twice)."""
        log = self.directory / "received.log"
        return [line.split("\t", 1)[0] for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []

    def wait_for(self, count: int, timeout: float = 30.0) -> list[email.message.EmailMessage]:
        """The messages kept, once there are at least ``count`` of them (or whatever there is after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages()
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.messages()


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--directory", default="instance/stack/mail")
    args = parser.parse_args()
    sink = MailSink(Path(args.directory), args.port).start()
    print(f"SMTP on 127.0.0.1:{sink.port}, messages in {sink.directory}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
