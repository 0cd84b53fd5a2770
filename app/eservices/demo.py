"""The e-service catalogue shipped with the project (app/data/services.json), and demo applications.

``seed_catalogue`` adds the services that are missing (by code) with their first form version; it never
changes a service an administrator has edited since. ``seed_demo_applications`` files applications in every
state for the demo districts, through the same use cases residents and officials use.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from app.eservices import service as eservices
from app.extensions import db
from app.models import District, Service, ServiceApplication, ServiceForm, User, utcnow

DATA = Path(__file__).resolve().parent.parent / "data" / "services.json"
TEXTS = ("title", "summary", "eligibility", "documents", "legal_basis")


def read_catalogue() -> list[dict]:
    """The services shipped with the project."""
    with open(DATA, encoding="utf-8") as fh:
        return json.load(fh)


def seed_catalogue() -> int:
    """Add the shipped services that are missing, each with form version 1; return how many were added."""
    districts = {d.code: d for d in db.session.scalars(select(District))}
    have = set(db.session.scalars(select(Service.code)))
    added = 0
    for spec in read_catalogue():
        if spec["code"] in have:
            continue
        service = Service(
            code=spec["code"], fee=Decimal(str(spec.get("fee", 0))), processing_days=spec["processing_days"],
            life_situation=spec["life_situation"], online=spec.get("online", True),
            front_desk=spec.get("front_desk", True), position=spec.get("position", 0),
            **{f"{stem}_{lang}": spec[f"{stem}_{lang}"] for stem in TEXTS for lang in ("az", "ru", "en")},
        )
        codes = districts.keys() if spec.get("districts", "all") == "all" else spec["districts"]
        service.districts = [districts[code] for code in codes if code in districts]
        service.forms.append(ServiceForm(version=1, fields=spec["fields"]))
        db.session.add(service)
        added += 1
    db.session.commit()
    return added


DEMO_FLOW = ["submitted", "in_review", "documents_requested", "resubmitted", "approved", "refused", "issued",
             "withdrawn"]


def _answers(fields: list[dict]) -> dict:
    """Plausible answers for a form (the demo's residents are consistent, not creative)."""
    values = {}
    for field in fields:
        kind = field["type"]
        if kind == "file":
            continue
        if kind == "select":
            values[field["key"]] = str(field["options"][0]["value"])
        elif kind == "number":
            values[field["key"]] = str(int(field.get("min") or 1))
        elif kind == "date":
            values[field["key"]] = "2015-05-20"
        elif kind == "checkbox":
            values[field["key"]] = True
        else:
            values[field["key"]] = "Nümunə cavab"
    return values


def seed_demo_applications(residents: list[User], officials: dict[int, User], now: datetime | None = None) -> int:
    """Applications in every state for the demo districts (idempotent by submission token)."""
    now = now or utcnow()
    if db.session.scalar(select(func.count()).select_from(ServiceApplication)
                         .where(ServiceApplication.submission_token.like("demo-srv-%"))):
        return 0
    services = list(db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.position)))
    created = 0
    for index, (district_id, official) in enumerate(sorted(officials.items())):
        offered = [s for s in services if district_id in {d.id for d in s.districts} and s.online]
        for step, target in enumerate(DEMO_FLOW):
            if not offered:
                break
            service = offered[(index + step) % len(offered)]
            resident = residents[(index * 3 + step) % len(residents)]
            filed = now - timedelta(days=12 - step)
            form = eservices.current_form(service)
            application = eservices.apply(resident, eservices.ApplicationInput(
                service_id=service.id, district_id=district_id, form_id=form.id, answers=_answers(form.fields),
                submission_token=f"demo-srv-{district_id}-{step}", locale=resident.locale), now=filed)
            path = {
                "submitted": [], "in_review": ["in_review"], "documents_requested": ["in_review", "documents_requested"],
                "resubmitted": ["in_review", "documents_requested", "resubmitted"],
                "approved": ["in_review", "approved"], "refused": ["in_review", "refused"],
                "issued": ["in_review", "approved", "issued"], "withdrawn": ["withdrawn"],
            }[target]
            for hop, status in enumerate(path, start=1):
                actor = resident if status in ("resubmitted", "withdrawn") else official
                note = {"documents_requested": "Şəxsiyyət vəsiqəsinin surətini əlavə edin.",
                        "refused": "Təqdim olunmuş məlumatlar tələblərə uyğun deyil.",
                        "resubmitted": "Sənəd göndərildi."}.get(status, "")
                eservices.transition(actor, application.id, status, eservices.StepData(note=note),
                                     now=filed + timedelta(hours=hop * 5))
            if target == "issued":
                eservices.rate(resident, application.id, 5, "Tez və rahat oldu.", now=filed + timedelta(days=1))
            created += 1
    return created
