"""The load of ``make load``: residents, officials and a supervisor using the stack as they would (locust).

Accounts come from ``deploy/load.py`` (it creates them before locust starts and passes their addresses in the
environment). Every response is classified: a 5xx counts as an error, and its kind is named — the portal's own
503 page, the proxy's "unavailable" page, or a bare error (which must never happen). Each appeal number the
portal acknowledges is appended to ``LOAD_ACKNOWLEDGED`` for the check after the run.
"""
from __future__ import annotations

import html
import itertools
import os
import random
import re

import pyotp
from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
RESIDENTS = os.environ.get("LOAD_RESIDENTS", "").split(",")
OFFICIALS = os.environ.get("LOAD_OFFICIALS", "").split(",")
SUPERVISOR = os.environ.get("LOAD_SUPERVISOR", "")
TOTP_SECRET = os.environ.get("LOAD_TOTP_SECRET", "")
ACKNOWLEDGED = os.environ.get("LOAD_ACKNOWLEDGED", "acknowledged.txt")
PDF = b"%PDF-1.4\n% load test\n" + b"0" * 4096 + b"\n%%EOF\n"
NUMBER_RE = re.compile(r"\b[A-Z]{3}-\d{4}-\d{6}\b")
_residents = itertools.cycle(RESIDENTS)
_officials = itertools.cycle(OFFICIALS)


def classify(response) -> str | None:
    """Why a response is an error, or None when it is not one."""
    if response.status_code < 500:
        return None
    text = response.text or ""
    if response.status_code == 503 and 'class="error-code"' in text:
        return "portal 503 page"
    if "Portal müvəqqəti əlçatan deyil" in text:
        return f"proxy unavailable page ({response.status_code})"
    return f"bare {response.status_code}"


def form_fields(page: str, action: str | None = None) -> dict[str, str]:
    """The hidden fields of the form posting to ``action`` (else the first form with a CSRF token)."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", page, re.S)
    body = next((b for a, b in forms if action and f'action="{action}"' in a), None)
    body = body or next((b for _a, b in forms if "csrf_token" in b), "")
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if name and 'type="hidden"' in tag:
            value = re.search(r'value="([^"]*)"', tag)
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


class PortalUser(HttpUser):
    """A visitor whose requests are checked for errors of every kind."""

    abstract = True
    wait_time = between(1, 4)

    def get(self, path: str, name: str | None = None):
        with self.client.get(path, name=name or path, catch_response=True) as response:
            self._judge(response)
            return response

    def post(self, path: str, data: dict, name: str | None = None, files=None):
        with self.client.post(path, data=data, files=files, name=name or path, catch_response=True) as response:
            self._judge(response)
            return response

    @staticmethod
    def _judge(response) -> None:
        kind = classify(response)
        if kind:
            response.failure(kind)
        elif response.status_code >= 400 and response.status_code not in (404, 422, 429):
            response.failure(f"unexpected {response.status_code}")
        else:
            response.success()

    def sign_in(self, email: str) -> bool:
        page = self.get("/auth/login", name="/auth/login")
        if page.status_code != 200:
            return False
        answer = self.post("/auth/login", {**form_fields(page.text), "email": email, "password": PASSWORD},
                           name="/auth/login [POST]")
        if "/auth/two-factor" in answer.url and TOTP_SECRET:
            page = self.get("/auth/two-factor")
            answer = self.post("/auth/two-factor", {**form_fields(page.text), "code": pyotp.TOTP(TOTP_SECRET).now()},
                               name="/auth/two-factor [POST]")
        return answer.status_code == 200 and "/auth/" not in answer.url


class Visitor(PortalUser):
    """Anonymous: the home page, news, public appeals, accountability, services."""

    weight = 4

    @task(3)
    def home(self):
        self.get("/")

    @task(2)
    def news(self):
        self.get("/news/")

    @task(1)
    def public_appeals(self):
        self.get("/appeals/public/GNC", name="/appeals/public/<district>")

    @task(2)
    def accountability(self):
        self.get("/accountability/")
        self.get(f"/accountability/{random.choice(['GNC', 'MSL', 'QBA'])}", name="/accountability/<district>")

    @task(1)
    def services(self):
        self.get("/services/")


class Resident(PortalUser):
    """Signed in: the cabinet, filing appeals, applying for a service."""

    weight = 4

    def on_start(self):
        self.signed_in = self.sign_in(next(_residents))

    @task(3)
    def cabinet(self):
        self.get("/cabinet/")

    @task(2)
    def file_appeal(self):
        if not self.signed_in:
            return
        page = self.get("/appeals/new")
        if page.status_code != 200:
            return
        # Gəncə, whose officials answer in this load (its name in any of the three languages).
        districts = re.search(r'name="district_id"[^>]*>(.*?)</select>', page.text or "", re.S)
        district = districts and re.search(r'<option[^>]*value="(\d+)"[^>]*>\s*(?:Gəncə|Ganja|Гянджа)', districts.group(1))
        category = re.search(r'name="category_id"[^>]*>.*?<option[^>]*value="(\d+)"', page.text or "", re.S)
        if not (district and category):
            return
        answer = self.post("/appeals/new", {
            **form_fields(page.text, "/appeals/new"), "district_id": district.group(1),
            "category_id": category.group(1), "kind": "complaint", "subject": "Həyətdə işıq yanmır",
            "text": "Bir həftədir ki, həyətimizdə işıq yanmır.", "applicant_name": "Yük Sınağı",
            "applicant_address": "Gəncə ş., Nizami küç. 5", "applicant_phone": "+994 50 123 45 67",
        }, name="/appeals/new [POST]", files={"attachments": ("photo.pdf", PDF, "application/pdf")})
        number = NUMBER_RE.search(answer.text or "") if answer.status_code == 200 else None
        if number and "/cabinet/appeals/" in answer.url:
            with open(ACKNOWLEDGED, "a", encoding="utf-8") as out:
                out.write(number.group(0) + "\n")

    @task(1)
    def apply_for_a_service(self):
        if not self.signed_in:
            return
        url = "/services/residence-certificate/apply"
        page = self.get(url)
        if page.status_code != 200:
            return
        data = form_fields(page.text, url)
        for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page.text, re.S):
            option = re.search(r'<option[^>]*value="([^"]+)"', body)
            if option:
                data[name] = option.group(1)
        files = {}
        for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", page.text):
            name = re.search(r'name="(f-[^"]+)"', tag)
            if not name or name.group(1) in data:
                continue
            kind = (re.search(r'type="([^"]+)"', tag) or re.search(r"(textarea)", tag)).group(1)
            value = {"date": "1990-01-01", "number": "1", "checkbox": "y", "email": "load@example.az"}.get(kind, "Sınaq")
            if kind == "file":
                files[name.group(1)] = ("passport.pdf", PDF, "application/pdf")
            else:
                data[name.group(1)] = value
        self.post(url, data, name=f"{url} [POST]", files=files or None)


class Official(PortalUser):
    """An official of Gəncə: the inbox, and answering what came in."""

    weight = 1

    def on_start(self):
        self.signed_in = self.sign_in(next(_officials))

    @task(3)
    def inbox(self):
        self.get("/office/appeals")

    @task(1)
    def answer_one(self):
        if not self.signed_in:
            return
        inbox = self.get("/office/appeals?status=submitted", name="/office/appeals?status=submitted")
        found = re.findall(r'href="(/office/appeals/\d+)"', inbox.text or "")
        if not found:
            return
        office = random.choice(found)
        page = self.get(office, name="/office/appeals/<id>")
        if page.status_code != 200:
            return  # a refused page (503 during a fault) has no form to send
        self.post(f"{office}/register", {**form_fields(page.text, f"{office}/register"), "register-department_id": ""},
                  name="/office/appeals/<id>/register")
        page = self.get(office, name="/office/appeals/<id>")
        if page.status_code != 200:
            return
        me = re.search(r'name="assign-assignee_id"[^>]*>.*?<option[^>]*value="(\d+)"', page.text or "", re.S)
        if me:
            self.post(f"{office}/assign", {**form_fields(page.text, f"{office}/assign"), "assign-assignee_id": me.group(1)},
                      name="/office/appeals/<id>/assign")
            page = self.get(office, name="/office/appeals/<id>")
            if page.status_code != 200:
                return
        self.post(f"{office}/answer", {**form_fields(page.text, f"{office}/answer"),
                                       "answer-answer": "Məsələ həll olundu, işıqlandırma bərpa edildi."},
                  name="/office/appeals/<id>/answer")


class Supervisor(PortalUser):
    """The supervisor's accountability dashboard."""

    weight = 1

    def on_start(self):
        self.signed_in = self.sign_in(SUPERVISOR)

    @task
    def dashboard(self):
        self.get("/office/accountability")
