"""Demo drafts for ``flask seed-demo``: the started forms behind the demo appeals and applications filed online
(so the completion rate has figures), some left to expire or deleted, and two open drafts in the demo resident's
cabinet. Idempotent: nothing is added once the demo residents have drafts."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.appeals.demo import DEMO_RESIDENTS
from app.extensions import db
from app.kit import drafts
from app.models import Appeal, Category, District, Draft, Service, ServiceApplication, User, utcnow


def seed_demo(now: datetime | None = None) -> int:
    """Add the demo drafts if the demo residents have none; how many rows were added."""
    now = now or utcnow()
    residents = list(db.session.scalars(select(User).where(User.email.in_([e for e, _n in DEMO_RESIDENTS]))
                                        .order_by(User.id)))
    if not residents or db.session.scalar(select(func.count()).select_from(Draft).where(
            Draft.citizen_id.in_([r.id for r in residents]))):
        return 0
    rng = random.Random(19)
    ids = [r.id for r in residents]
    rows: list[Draft] = []
    for appeal in db.session.scalars(select(Appeal).where(Appeal.source == "web", Appeal.citizen_id.in_(ids))):
        rows.append(_ended(appeal.citizen_id, "appeal", "submitted", appeal.created_at, appeal.subject,
                           district_id=appeal.district_id, category_id=appeal.category_id, appeal_id=appeal.id))
    for application in db.session.scalars(select(ServiceApplication).where(
            ServiceApplication.source == "web", ServiceApplication.citizen_id.in_(ids))):
        rows.append(_ended(application.citizen_id, "application", "submitted", application.created_at, "",
                           district_id=application.district_id, service_id=application.service_id,
                           application_id=application.id))
    # About one started form in five is never sent: it expires, or its resident deletes it.
    for started in list(rows):
        if rng.random() < 0.2:
            rows.append(_ended(started.citizen_id, started.kind, rng.choice(["expired", "discarded"]),
                               started.created_at - timedelta(days=2), "", district_id=started.district_id,
                               category_id=started.category_id, service_id=started.service_id))
    rows += _open_drafts(residents[0], now)
    db.session.add_all(rows)
    db.session.commit()
    return len(rows)


def _ended(citizen_id: int, kind: str, status: str, started: datetime, title: str, **links) -> Draft:
    ended = started if status == "submitted" else started + (drafts.LIFETIME if status == "expired" else timedelta(days=1))
    return Draft(citizen_id=citizen_id, kind=kind, status=status, title=title[:drafts.TITLE_LIMIT], data={},
                 created_at=started, updated_at=started, expires_at=started + drafts.LIFETIME, ended_at=ended,
                 reminded_at=started + drafts.LIFETIME - drafts.REMIND_BEFORE if status == "expired" else None,
                 **links)


def _open_drafts(resident: User, now: datetime) -> list[Draft]:
    """An unfinished appeal and an unfinished application in the demo resident's cabinet."""
    district = db.session.get(District, resident.district_id) if resident.district_id else \
        db.session.scalar(select(District).where(District.code == "GNC"))
    category = db.session.scalar(select(Category).where(Category.code == "roads"))
    subject = "Həyətdə küçə işıqları yanmır"
    found = [Draft(citizen_id=resident.id, kind="appeal", status="open", title=subject,
                   district_id=district.id if district else None, category_id=category.id if category else None,
                   data={"district_id": str(district.id) if district else "",
                         "category_id": str(category.id) if category else "", "kind": "complaint",
                         "subject": subject, "text": "Bir həftədir ki, həyətimizdəki küçə işıqları yanmır.",
                         "applicant_name": resident.full_name, "applicant_address": resident.address or "",
                         "applicant_phone": resident.phone or "", "location_lat": "", "location_lon": "",
                         "confidential": "", "public_ok": "y", "submission_token": "demo-draft-1"},
                   created_at=now - timedelta(days=3), updated_at=now - timedelta(days=2),
                   expires_at=now - timedelta(days=2) + drafts.LIFETIME)]
    service = db.session.scalar(select(Service).where(Service.code == "residence-certificate"))
    if service is not None:
        found.append(Draft(citizen_id=resident.id, kind="application", status="open",
                           title=service.title_az, district_id=district.id if district else None,
                           service_id=service.id,
                           data={"district_id": str(district.id) if district else "",
                                 "submission_token": "demo-draft-2"},
                           created_at=now - timedelta(days=25), updated_at=now - timedelta(days=25),
                           expires_at=now - timedelta(days=25) + drafts.LIFETIME))
    return found
