"""A scanner-shaped load: many concurrent clients crawl a running portal and submit the forms they find.

It does what the web scanner that crashed the embedded server did (issue 21): several connections at once,
some signed in as demo accounts and some anonymous, follow every link of the portal's own pages and send
every form they meet with plausible values and the form's own CSRF token. It reports each answer of 500 or
more and each connection that failed; whoever runs it decides what a failure is (the crash test: any).

    .venv/bin/python scripts/scanload.py http://127.0.0.1:5000 --clients 8 --requests 2000

Only addresses of the server named are requested (the same scheme, host and port), and the run is bounded
by a number of requests and a number of seconds, so it stops by itself.
"""
from __future__ import annotations

import argparse
import http.client
import random
import re
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

DEMO_PASSWORD = "demo-Parol-2026"
# Accounts of the demo seed that sign in with a password alone (administrators and supervisors need a code).
DEMO_ACCOUNTS = ("citizen@demo.az", "resident1@demo.az", "official.gnc@demo.az", "editor.gnc@demo.az",
                 "moderator.gnc@demo.az", "head.msl@demo.az")
# Addresses a signed-in client must not follow or post to: they would end its session or its account, or
# turn the crawl into a download of large files, which tells nothing about crashes.
SKIP = re.compile(r"/auth/logout|/cabinet/(?:close|delete)|/data/close|/sessions/end|"
                  r"/two-factor")
# What the portal's own error page carries (templates/errors/error.html), as opposed to a server's bare page.
PORTAL_ERROR_PAGE = 'class="error-code"'
# The open data's and Open311's own refusal: {"error": {...}}, [{"code": 503, ...}] or <errors><error><code>503.
API_REFUSAL = re.compile(r'^\s*(\{"error"|\[\s*\{\s*"code"\s*:\s*503|<\?xml[^>]*>\s*<errors>)')
# No more than this many addresses of one shape (digits folded) are queued: a crawl of every page of every
# list would spend the run on pagination.
PER_SHAPE = 12


@dataclass
class Form:
    """A form found on a page: where it goes, how, and the values a browser would send untouched."""

    action: str
    method: str
    fields: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # (name, type, value, options)


class PageParser(HTMLParser):
    """Collects links and forms from one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: tuple[str, list[str]] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag in {"a", "link"} and a.get("href"):
            self.links.append(a["href"])
        elif tag in {"img", "script"} and a.get("src"):
            # A scanner fetches what a page embeds, as a browser does (pictures are served from the database too).
            self.links.append(a["src"])
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in a and kind == "radio":
                # Radios: remember the choice as an option of the field, pick one when sending.
                self._add_option(a["name"], a.get("value", "on"))
                return
            self.forms[-1].fields.append((a["name"], kind, a.get("value", ""), []))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [])
            self.forms[-1].fields.append((a["name"], "select", "", self._select[1]))
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.forms[-1].fields.append((a["name"], "textarea", "", []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None

    def _add_option(self, name: str, value: str) -> None:
        for existing in self.forms[-1].fields:
            if existing[0] == name and existing[1] == "radio":
                existing[3].append(value)
                return
        self.forms[-1].fields.append((name, "radio", "", [value]))


def fill(form: Form, rng: random.Random) -> dict[str, str]:
    """Plausible values for a form: hidden ones untouched, the rest filled as a hurried person would."""
    values: dict[str, str] = {}
    for name, kind, value, options in form.fields:
        if kind in {"hidden", "submit"}:
            values[name] = value
        elif kind in {"select", "radio"}:
            choices = [o for o in options if o] or options
            values[name] = rng.choice(choices) if choices else ""
        elif kind == "checkbox":
            if rng.random() < 0.7:
                values[name] = value or "y"
        elif kind == "file":
            continue
        elif kind == "email":
            values[name] = f"scan{rng.randrange(10**6)}@example.org"
        elif kind == "password":
            values[name] = "Scan-Parol-2026-" + str(rng.randrange(10**6))
        elif kind in {"date", "datetime-local"}:
            values[name] = f"2026-12-{rng.randint(1, 28):02d}"
        elif kind == "time":
            values[name] = "10:00"
        elif kind == "number":
            values[name] = str(rng.randint(1, 5))
        elif kind == "textarea":
            values[name] = "Küçədə su borusu partlayıb, iki gündür su yoxdur. Xahiş edirəm baxın. " * 2
        else:
            values[name] = rng.choice(["Bakı", "su", "test", "Gəncə", "Qəbul", "yol"])
    return values


@dataclass
class Result:
    """What a run saw: answers by status, and every failure with the address that caused it."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, url: str, status: int | None, error: str = "", refused: bool = False) -> None:
        """Count one answer; a 5xx or a failed connection is a failure, unless the portal itself refused (503)."""
        with self.lock:
            self.requests += 1
            self.statuses[status if status is not None else "error"] += 1
            if status is None or (status >= 500 and not refused):
                self.failures.append(f"{method} {url} -> {status or error}")

    def summary(self) -> str:
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0])))
        return f"{self.requests} requests ({shown}); {len(self.failures)} failures"


class Client:
    """One connection's worth of a scanner: a kept-alive HTTP connection and its own cookies."""

    def __init__(self, base: str, result: Result, rng: random.Random, timeout: float) -> None:
        self.base = base.rstrip("/")
        self.origin = urllib.parse.urlsplit(self.base)
        self.result = result
        self.rng = rng
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def _send(self, method: str, url: str, body: bytes | None) -> http.client.HTTPResponse:
        parts = urllib.parse.urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Accept-Language": "az", "Host": parts.netloc, "User-Agent": "scanload/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
            try:
                self.conn.request(method, target, body=body, headers=headers)
                return self.conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection between two requests: open a new one, once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def request(self, method: str, url: str, data: dict[str, str] | None = None) -> tuple[int | None, str, str]:
        """Send one request; return (status, final address, body). A redirect is followed once, as a GET."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            response = self._send(method, url, body)
            status, text = response.status, self._read(response)
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _eq, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if "Expires=Thu, 01 Jan 1970" in header or "Max-Age=0" in header:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            location = response.headers.get("Location")
            retry_after = response.headers.get("Retry-After")
            if response.headers.get("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
        except (http.client.HTTPException, OSError) as error:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            self.result.record(method, url, None, type(error).__name__ + ": " + str(error)[:120])
            return None, url, ""
        # A 503 that is the portal's own page (it is busy, or its database is away) is a refusal, not a crash; so is
        # the machine APIs' own 503 (JSON or XML in their error shape, with Retry-After), which a client retries.
        refused = status == 503 and (PORTAL_ERROR_PAGE in text or (retry_after and API_REFUSAL.search(text)))
        self.result.record(method, url, status, refused=bool(refused))
        if status in {301, 302, 303, 307, 308} and location:
            target = urllib.parse.urljoin(url, location)
            if self.same_origin(target) and not SKIP.search(target):
                return self.request("GET", target)
            return status, url, ""
        return status, url, text

    @staticmethod
    def _read(response) -> str:  # noqa: ANN001
        kind = response.headers.get("Content-Type", "")
        raw = response.read()
        # Pages are read for their links and forms; the machine APIs' answers for their refusals (503) only.
        return raw.decode("utf-8", "replace") if any(word in kind for word in ("html", "json", "xml")) else ""

    def same_origin(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        return (parts.scheme, parts.netloc) == (self.origin.scheme, self.origin.netloc)

    def sign_in(self, email: str) -> bool:
        """Sign in through the real form, as a person would; False if the portal refused."""
        status, _url, page = self.request("GET", f"{self.base}/auth/login")
        parser = PageParser()
        parser.feed(page)
        form = next((f for f in parser.forms if any(n == "password" for n, *_ in f.fields)), None)
        if status != 200 or form is None:
            return False
        values = fill(form, self.rng)
        values.update(email=email, password=DEMO_PASSWORD)
        values.pop("remember", None)
        status, final, _page = self.request("POST", urllib.parse.urljoin(f"{self.base}/auth/login", form.action
                                                                      or "/auth/login"), values)
        return status == 200 and "/auth/login" not in final


class Frontier:
    """The addresses still to visit, shared by every client; each address shape is queued a bounded number of times."""

    def __init__(self, seeds: list[str]) -> None:
        self._lock = threading.Lock()
        self._queue: list[str] = list(seeds)
        self._seen: set[str] = set(seeds)
        self._shapes: Counter = Counter()
        self._seeds = list(seeds)

    def add(self, url: str) -> None:
        url = url.split("#", 1)[0]
        shape = re.sub(r"\d+", "N", url)
        with self._lock:
            if url in self._seen or self._shapes[shape] >= PER_SHAPE:
                return
            self._seen.add(url)
            self._shapes[shape] += 1
            self._queue.append(url)

    def take(self, rng: random.Random) -> str:
        with self._lock:
            if not self._queue:
                # Everything was visited once: walk it again, as a scanner's second pass does.
                return rng.choice(sorted(self._seen))
            return self._queue.pop(rng.randrange(len(self._queue)))


def _worker(client: Client, frontier: Frontier, stop: threading.Event, budget: list[int], lock: threading.Lock,
            forms_per_page: float) -> None:
    while not stop.is_set():
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        url = frontier.take(client.rng)
        status, final, page = client.request("GET", url)
        if status != 200 or not page:
            continue
        parser = PageParser()
        parser.feed(page)
        for href in parser.links:
            target = urllib.parse.urljoin(final, href)
            if client.same_origin(target) and not SKIP.search(target):
                frontier.add(target)
        for form in parser.forms:
            target = urllib.parse.urljoin(final, form.action or final)
            if not client.same_origin(target) or SKIP.search(target) or client.rng.random() > forms_per_page:
                continue
            values = fill(form, client.rng)
            if form.method == "post":
                client.request("POST", target, values)
            else:
                frontier.add(target.split("?", 1)[0] + "?" + urllib.parse.urlencode(values))


def run(base: str, clients: int = 8, requests: int = 2000, seconds: float = 120.0, signed_in: int | None = None,
        accounts: tuple[str, ...] = DEMO_ACCOUNTS, seed: int = 21, timeout: float = 30.0,
        forms_per_page: float = 0.5, alive=None, progress=None, result: Result | None = None,  # noqa: ANN001
        at_least: int = 0, longest: float | None = None) -> Result:
    """Crawl ``base`` with ``clients`` concurrent clients until ``requests`` are sent or ``seconds`` pass.

    With ``at_least``, the crawl goes on after ``seconds`` until that many requests are answered, for at most
    ``longest`` seconds in all (four times ``seconds`` by default): a test that needs a real crawl gets one on a
    machine that is busy with other work, and still stops if the server hangs.

    ``signed_in`` clients (default: half) sign in first, each as one of ``accounts`` in turn (clients given the
    same account share one session, as one browser's connections do); ``alive``, if
    given, is called between requests and the run stops early when it returns False (the server died);
    ``progress(result)``, if given, is called about every second; ``result`` collects the answers (a new one
    by default), so a caller that is interrupted still has what was seen.
    """
    result = result if result is not None else Result()
    rng = random.Random(seed)
    frontier = Frontier([f"{base.rstrip('/')}{path}" for path in (
        "/", "/news/", "/news/search?q=su", "/polls/", "/proposals/", "/consultations/", "/services/",
        "/accountability/", "/appeals/new", "/reception/", "/commitments/", "/cabinet/", "/office/")])
    signed_in = clients // 2 if signed_in is None else signed_in
    workers: list[Client] = []
    sessions: dict[str, Client] = {}
    for index in range(clients):
        client = Client(base, result, random.Random(rng.random()), timeout)
        if index < signed_in:
            account = accounts[index % len(accounts)]
            if account in sessions:
                # One browser's session on several connections at once, as a scanner that signed in once does.
                client.cookies = dict(sessions[account].cookies)
            elif client.sign_in(account):
                sessions[account] = client
        workers.append(client)
    stop = threading.Event()
    budget, lock = [requests], threading.Lock()
    threads = [threading.Thread(target=_worker, args=(c, frontier, stop, budget, lock, forms_per_page), daemon=True)
               for c in workers]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline, last = started + seconds, started + (longest if longest is not None else 4 * seconds)
    try:
        while any(t.is_alive() for t in threads):
            now = time.monotonic()
            if (now > deadline and result.requests >= at_least) or now > last or (alive is not None and not alive()):
                stop.set()
            for thread in threads:
                thread.join(timeout=1 / len(threads))
            if progress is not None:
                progress(result)
    finally:
        # Interrupted (Ctrl-C): the clients stop after the request each has in flight.
        stop.set()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the portal's address, e.g. http://127.0.0.1:5000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    started = time.monotonic()

    def show(result: Result) -> None:
        done = min(result.requests, args.requests)
        bar = "#" * (30 * done // max(1, args.requests))
        print(f"\r[{bar:<30}] {result.requests} requests, {len(result.failures)} failures, "
              f"{time.monotonic() - started:.0f} s", end="", file=sys.stderr, flush=True)

    result = Result()
    try:
        run(args.base, args.clients, args.requests, args.seconds, seed=args.seed, progress=show, result=result)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    print(file=sys.stderr)
    for failure in result.failures[:50]:
        print(failure)
    print(f"{result.summary()} in {time.monotonic() - started:.0f} s")
    sys.exit(1 if result.failures else 0)


if __name__ == "__main__":
    main()
