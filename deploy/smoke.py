"""End-to-end smoke of a running stack, through nginx, as a new resident and an official would use it.

    python -m deploy.smoke [--base http://127.0.0.1:8080] [--mail instance/stack/mail]

1. A new resident registers; the confirmation email arrives at the stack's SMTP server through the worker,
   its link is on PUBLIC_URL, and following it confirms the address.
2. The resident files an appeal (with an attached PDF, stored in the object store) and gets its number.
3. An official of the district (created with ``flask create-staff``) registers, takes and answers it; the
   answer's email arrives.
4. One app server is killed; the next requests through nginx still succeed (the stack starts it again).

Prints one line per step and exits non-zero at the first failure.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import html
import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFFICIAL = "smoke.official@icra.example.az"
HEAD = "smoke.head@icra.example.az"
PASSWORD = "Stack-Smoke-Parol-2026"


class Failed(Exception):
    """A step of the smoke did not go as a user would expect."""


class Visitor:
    """A browser without JavaScript: cookies, forms with their CSRF token, redirects followed."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self._url(path)))

    def post(self, path: str, fields: dict[str, str], form_page: str | None = None,
             files: dict[str, tuple[str, str, bytes]] | None = None) -> tuple[int, str, str]:
        """Post ``fields`` with the CSRF token (and hidden fields) of the form on ``form_page``."""
        _status, page, _url = self.get(form_page or path)
        data = {**hidden_fields(page, self._url(path)), **fields}
        if files:
            boundary = secrets.token_hex(16)
            body = _multipart(boundary, data, files)
            request = urllib.request.Request(self._url(path), data=body, method="POST",
                                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        else:
            request = urllib.request.Request(self._url(path), data=urllib.parse.urlencode(data).encode(), method="POST")
        return self._open(request)

    def post_plain(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """Post ``fields`` as a machine client does: no form page, no CSRF token (an API key instead)."""
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self._url(path), data=data, method="POST"))

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}{path}"

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(errors="replace"), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), error.url


def hidden_fields(page: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form that posts to ``action`` (else of the first form with a CSRF token)."""
    path = urllib.parse.urlsplit(action).path
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", page, re.S)
    chosen = next((body for attrs, body in forms if f'action="{path}"' in attrs), None)
    chosen = chosen or next((body for _attrs, body in forms if "csrf_token" in body), "")
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", chosen):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def _multipart(boundary: str, fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, mimetype, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {mimetype}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def option_value(page: str, select_name: str, label_part: str | None = None) -> str:
    """The value of an option of ``<select name=select_name>`` (the first non-empty one, or the one whose label
    contains ``label_part``)."""
    select = re.search(rf'<select[^>]*name="{re.escape(select_name)}"[^>]*>(.*?)</select>', page, re.S)
    if not select:
        raise Failed(f"no {select_name} field on the page")
    for value, label in re.findall(r'<option[^>]*value="([^"]+)"[^>]*>(.*?)</option>', select.group(1), re.S):
        if label_part is None or label_part in label:
            return value
    raise Failed(f"no option {label_part!r} in {select_name}")


def wait_for_mail(directory: Path, recipient: str, subject_part: str | None, seen: set[str],
                  timeout: float = 60) -> email.message.EmailMessage:
    """The first new email to ``recipient`` that arrives (the worker delivers it), waiting up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(directory.glob("*.eml")):
            if path.name in seen:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == recipient and (subject_part is None or subject_part in message["Subject"]):
                seen.add(path.name)
                return message
        time.sleep(0.2)
    raise Failed(f"no email to {recipient} arrived within {timeout:.0f} s")


def flask(*args: str) -> str:
    """A ``flask`` command with the stack's settings (deploy/stack.py); what it printed."""
    from deploy.stack import BIN, Settings, app_env

    done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=app_env(Settings()), check=True,
                          capture_output=True, text=True)
    return done.stdout


def step(text: str) -> None:
    print(f"[smoke] {text}", flush=True)


def run(base: str, mail_dir: Path) -> None:
    """The whole smoke; raises ``Failed`` at the first surprise."""
    seen = {p.name for p in mail_dir.glob("*.eml")}
    resident_email = f"smoke.{secrets.token_hex(4)}@example.az"
    resident = Visitor(base)
    status, page, _ = resident.get("/?lang=en")
    if status != 200:
        raise Failed(f"home page: {status}")
    step("home page through nginx: 200")
    visitors_pages(base)

    status, page, url = resident.post("/auth/register", {
        "full_name": "Smoke Sınaq", "email": resident_email, "password": PASSWORD, "password_again": PASSWORD,
        "consent": "y"})
    # Registering answers "check your email" and signs nobody in (the same answer for a taken address).
    if status != 200 or not url.split("?")[0].endswith("/auth/registered"):
        raise Failed(f"registration: {status} at {url}")
    message = wait_for_mail(mail_dir, resident_email, None, seen)
    link = re.search(r"(https?://\S+/auth/confirm/\S+)", message.get_content())
    if not link or not link.group(1).startswith(base):
        raise Failed(f"the confirmation email has no link on {base}: {message.get_content()[:300]}")
    status, page, _ = resident.get(link.group(1))
    if status != 200:
        raise Failed(f"confirmation link: {status}")
    status, page, url = resident.post("/auth/login", {"email": resident_email, "password": PASSWORD})
    if status != 200 or "/auth/login" in url:
        raise Failed(f"sign-in after confirming: {status} at {url}")
    step(f"registered {resident_email}; the confirmation email came through the worker; confirmed; signed in")

    # A neighbour subscribes to Gəncə's public appeals: the confirmation and, later, the alert come through the worker.
    neighbour_email = f"neighbour.{secrets.token_hex(4)}@example.az"
    neighbour = Visitor(base)
    status, page, url = neighbour.post("/alerts/?lang=en", {"email": neighbour_email, "district": "GNC",
                                                            "category": "", "frequency": "instant"})
    if status != 200:
        raise Failed(f"alert subscription: {status} at {url}")
    message = wait_for_mail(mail_dir, neighbour_email, None, seen)
    link = re.search(r"(https?://\S+/alerts/confirm/\S+)", message.get_content())
    if not link or neighbour.get(link.group(1))[0] != 200:
        raise Failed(f"the alert's confirmation link: {message.get_content()[:300]}")
    step(f"{neighbour_email} subscribed to Gəncə's public appeals and confirmed by email")

    status, page, _ = resident.get("/appeals/new?lang=en")
    district = option_value(page, "district_id", "Ganja")
    category = option_value(page, "category_id")
    pdf = b"%PDF-1.4\n% smoke test attachment\n" + secrets.token_bytes(2048) + b"\n%%EOF\n"
    # "Continue" keeps the answers and the file in a draft (the file in the shared object store) and shows them to
    # check; "Send" may be answered by the other app server.
    status, page, url = resident.post("/appeals/new", {
        "district_id": district, "category_id": category, "kind": "complaint", "subject": "Küçədə işıq yanmır",
        "text": "Nizami küçəsində üç gündür ki, işıq yanmır.", "applicant_name": "Smoke Sınaq",
        "applicant_address": "Gəncə ş., Nizami küç. 5", "applicant_phone": "+994 50 123 45 67", "public_ok": "y",
        "proceed": "Continue"},
        form_page="/appeals/new?lang=en", files={"attachments": ("photo.pdf", "application/pdf", pdf)})
    if status != 200 or "/appeals/new/check" not in url or "photo.pdf" not in page:
        raise Failed(f"the answers to check: {status} at {url}")
    check = urllib.parse.urlsplit(url)
    check = f"{check.path}?{check.query}"
    status, page, url = resident.post(check, {"send": "Send the appeal"}, form_page=check)
    number = re.search(r"\bGNC-\d{4}-\d{6}\b", page)
    appeal = re.search(r"/cabinet/appeals/(\d+)", url)
    if status != 200 or not number or not appeal:
        raise Failed(f"filing: {status} at {url}")
    appeal_id = appeal.group(1)
    step(f"checked the answers, then filed appeal {number.group(0)} with a PDF attached")

    flask("create-staff", "--email", OFFICIAL, "--name", "Kamran Əliyev", "--role", "official", "--district", "GNC",
          "--password", PASSWORD)
    official = Visitor(base)
    status, page, url = official.post("/auth/login", {"email": OFFICIAL, "password": PASSWORD})
    if status != 200 or "/auth/login" in url:
        raise Failed(f"official sign-in: {status} at {url}")
    office = f"/office/appeals/{appeal_id}"
    status, page, _ = official.get(office)
    if status != 200 or number.group(0) not in page:
        raise Failed(f"the official cannot open the appeal: {status}")
    attachment = re.search(rf'href="([^"]*{office}/files/\d+[^"]*)"', page)
    if not attachment:
        raise Failed("the official does not see the attachment")
    attachment = attachment.group(1)
    status, body, _ = official.get(html.unescape(attachment))
    if status != 200 or not body.startswith("%PDF-"):
        raise Failed(f"attachment download from the object store: {status}")
    official.post(f"{office}/register", {"register-department_id": ""}, form_page=office)
    status, page, _ = official.get(office)
    me = option_value(page, "assign-assignee_id", "Kamran")
    official.post(f"{office}/assign", {"assign-assignee_id": me}, form_page=office)
    status, page, url = official.post(f"{office}/answer", {"answer-answer": "İşıqlandırma bərpa olundu."},
                                      form_page=office)
    if status != 200 or "İşıqlandırma bərpa olundu." not in official.get(office)[1]:
        raise Failed(f"answer: {status} at {url}")
    wait_for_mail(mail_dir, resident_email, None, seen)
    step("an official took and answered it; the answer's email arrived")
    alert = wait_for_mail(mail_dir, neighbour_email, f"Answer to the public appeal {number.group(0)}", seen)
    if "Smoke" in alert.get_content():
        raise Failed("the alert names the appellant")
    step("the subscriber's alert of the answer arrived, without the appellant's name")

    front_desk(base, district)

    key = flask("open311", "issue-key", "--district", "GNC", "--name", "Smoke 311").strip().splitlines()[-1]
    machine = Visitor(base)
    status, body, _ = machine.post_plain("/open311/v2/requests.json", {
        "api_key": key, "service_code": "roads", "description": "Nizami küçəsində çuxur var.",
        "first_name": "Smoke", "last_name": "Sınaq", "email": resident_email,
        "address_string": "Gəncə ş., Nizami küç. 5", "attribute[kind]": "complaint", "attribute[subject]": "Çuxur",
        "locale": "en"})
    filed = re.search(r'"service_request_id":\s*"(GNC-\d{4}-\d{6})"', body)
    if status != 201 or not filed:
        raise Failed(f"Open311 filing through nginx: {status} {body[:300]}")
    status, body, _ = machine.get(f"/open311/v2/requests/{number.group(0)}.json?locale=en")
    if status != 200 or '"status": "closed"' not in body.replace('":"', '": "'):
        raise Failed(f"Open311 reading the answered appeal: {status} {body[:300]}")
    step(f"Open311: a key issued by the command filed {filed.group(1)}; the answered appeal reads as closed")

    kill_one_app_server()
    for attempt in range(20):
        status, _page, _url = resident.get(f"/cabinet/appeals/{appeal_id}?lang=en")
        if status != 200:
            raise Failed(f"request {attempt + 1} after an app server was killed: {status}")
    step("one app server killed; the next 20 requests all succeeded")


def front_desk(base: str, district: str) -> None:
    """The head sets up Gəncə's front desk through the office pages (or finds it set up by an earlier run on the same
    database); on a working day a ticket printed at the kiosk is called at a desk, the hall screen's numbers
    (screen.json, from either app server) show it, and it is served; on a day the front desk is closed the kiosk
    refuses with the next time it opens."""
    flask("create-staff", "--email", HEAD, "--name", "Rəna Quliyeva", "--role", "head", "--district", "GNC",
          "--password", PASSWORD)
    head = Visitor(base)
    status, _page, url = head.post("/auth/login", {"email": HEAD, "password": PASSWORD})
    if status != 200 or "/auth/login" in url:
        raise Failed(f"the head's sign-in: {status} at {url}")
    manage = f"/office/queue/manage?district={district}&lang=en"
    _status, page, _url = head.get(manage)
    service = re.search(r'href="/office/queue/services/(\d+)[^"]*">Certificates<', page)
    if not service:
        form = f"/office/queue/services/new?district={district}&lang=en"
        status, page, url = head.post(form, {
            "title_az": "Arayışlar", "title_ru": "Справки", "title_en": "Certificates", "letter": "S",
            "kind": "general", "minutes": "10", "opens": "00:00", "closes": "23:59", "window_minutes": "60",
            "window_capacity": "10", "active": "y"}, form_page=form)
        service = re.search(r'href="/office/queue/services/(\d+)[^"]*">Certificates<', page)
        if status != 200 or not service:
            raise Failed(f"adding a queue service: {status} at {url}")
    desk = re.search(r'href="/office/queue/desks/(\d+)[^"]*">Desk 1<', page)
    if not desk:
        form = f"/office/queue/desks/new?district={district}&lang=en"
        status, page, url = head.post(form, {"number": "1", "services": service.group(1), "active": "y"},
                                      form_page=form)
        desk = re.search(r'href="/office/queue/desks/(\d+)[^"]*">Desk 1<', page)
        if status != 200 or not desk:
            raise Failed(f"adding a desk: {status} at {url}")
    step("the head has a queue service and a desk")

    kiosk = Visitor(base)
    status, page, _url = kiosk.post("/queue/GNC/kiosk?lang=en", {"service": service.group(1)},
                                    form_page="/queue/GNC/kiosk?lang=en")
    printed = re.search(r"\bS-\d{3}\b", page)
    if status == 422:
        # Closed now (a weekend, a holiday, past the hours): refused, with the hours it takes tickets.
        if not re.search(r"\d{2}:\d{2}", page):
            raise Failed("the closed kiosk does not say when the front desk takes tickets")
        step("the kiosk is closed now and says when the front desk takes tickets")
        return
    if status != 200 or not printed:
        raise Failed(f"printing a ticket at the kiosk: {status}")
    ticket = printed.group(0)
    desk_id = desk.group(1)
    console = f"/office/queue/?district={district}&desk={desk_id}&lang=en"
    head.post(f"/office/queue/desks/{desk_id}/open", {}, form_page=console)
    # Tickets an interrupted earlier run left waiting come first: each is called and served until this one is.
    for _attempt in range(20):
        head.post(f"/office/queue/desks/{desk_id}/served", {}, form_page=console)  # a ticket left at the desk
        status, page, _url = head.post(f"/office/queue/desks/{desk_id}/call", {}, form_page=console)
        called = re.search(r'class="ticket-code">(S-\d{3})<', page)
        if status != 200 or not called:
            raise Failed(f"calling the next ticket at the desk: {status}")
        if called.group(1) == ticket:
            break
    else:
        raise Failed(f"the desk never called {ticket}")
    shown = [kiosk.get("/queue/GNC/screen.json")[1] for _ in range(4)]  # nginx spreads them over both servers
    if not all(ticket in body for body in shown):
        raise Failed(f"the hall screen does not show {ticket}: {shown[0][:300]}")
    status, page, _url = head.post(f"/office/queue/desks/{desk_id}/served", {}, form_page=console)
    if status != 200 or re.search(rf'class="ticket-code">{ticket}<', page):
        raise Failed(f"marking {ticket} served: {status}")
    step(f"ticket {ticket} printed at the kiosk, called at desk 1, shown on the hall screen, served")


def visitors_pages(base: str) -> None:
    """A visitor's page comes from the cache the app servers share (Redis) whichever answers; a browser holding it
    gets a 304; nginx compresses it and serves its stylesheet by hashed name for a year."""
    def fetch(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), b""

    path = f"/about?lang=en&smoke={secrets.token_hex(3)}"  # an unknown parameter: neither served nor stored
    status, headers, _ = fetch(path)
    if status != 200 or "X-Cache" in headers:
        raise Failed(f"a page with an unknown parameter: {status}, X-Cache {headers.get('X-Cache')}")
    # nginx takes turns between the two app servers: after one stored it, both serve it.
    answers = [fetch("/about?lang=en")[1].get("X-Cache") for _ in range(4)]
    if answers[1:] != ["HIT"] * 3:
        raise Failed(f"the about page from the shared cache: {answers}")
    status, headers, body = fetch("/about?lang=en", **{"Accept-Encoding": "gzip"})
    if headers.get("Content-Encoding") != "gzip":
        raise Failed(f"the page is not compressed: {headers.get('Content-Encoding')}")
    status, _, _ = fetch("/about?lang=en", **{"If-None-Match": headers.get("ETag", "")})
    if status != 304:
        raise Failed(f"a browser holding the page got {status}, not 304")
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', fetch("/about?lang=en")[2].decode())
    if not stylesheet:
        raise Failed("the page links no stylesheet by hashed name")
    status, headers, _ = fetch(stylesheet.group(1))
    if status != 200 or "immutable" not in headers.get("Cache-Control", ""):
        raise Failed(f"{stylesheet.group(1)}: {status}, {headers.get('Cache-Control')}")
    step(f"visitor's pages: shared cache {answers}, gzip, 304, {stylesheet.group(1)} kept a year")


def kill_one_app_server() -> None:
    """SIGKILL the first gunicorn master of the stack (the stack's supervisor starts it again)."""
    found = subprocess.run(["pgrep", "-f", "gunicorn --config gunicorn.conf.py --bind 127.0.0.1:8101"],
                           capture_output=True, text=True).stdout.split()
    if not found:
        raise Failed("no app server on 127.0.0.1:8101 to kill")
    for pid in found:
        os.kill(int(pid), signal.SIGKILL)


def main() -> int:
    """Run the smoke against a running stack."""
    parser = argparse.ArgumentParser(description="End-to-end smoke of a running stack.")
    parser.add_argument("--base", default=f"http://127.0.0.1:{os.environ.get('STACK_PORT', '8080')}")
    parser.add_argument("--mail", default=str(ROOT / "instance" / "stack" / "mail"))
    parser.add_argument("--start", action="store_true", help="start the stack first and stop it afterwards (CI)")
    args = parser.parse_args()
    started = time.monotonic()
    stack = start_stack(args.base) if args.start else None
    try:
        run(args.base, Path(args.mail))
    except Failed as failure:
        step(f"FAILED: {failure}")
        return 1
    finally:
        if stack is not None:
            stack.send_signal(signal.SIGTERM)
            stack.wait(timeout=60)
    step(f"passed in {time.monotonic() - started:.1f} s")
    return 0


def start_stack(base: str) -> subprocess.Popen:
    """``python -m deploy.stack`` in the background, once it answers its readiness check through nginx."""
    stack = subprocess.Popen([sys.executable, "-m", "deploy.stack", "up"], cwd=ROOT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if stack.poll() is not None:
            raise SystemExit(f"[smoke] the stack ended with exit code {stack.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=3) as response:
                if response.status == 200:
                    return stack
        except OSError:
            pass
        time.sleep(0.5)
    stack.send_signal(signal.SIGTERM)
    raise SystemExit("[smoke] the stack was not ready within 180 s")


if __name__ == "__main__":
    sys.exit(main())
