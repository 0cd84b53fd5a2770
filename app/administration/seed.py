"""Reference data and demo accounts; every function here is idempotent."""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import select

from app.accounts.passwords import hash_password
from app.accounts.service import normalize_email
from app.extensions import db
from app.models import Category, Department, District, RoleAssignment, User, utcnow

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_PASSWORD = "demo-Parol-2026"

# Departments every district authority has: kind (the same code in every district), az, ru, en.
DEPARTMENTS = [
    ("general", "Ümumi şöbə", "Общий отдел", "General department"),
    (
        "appeals",
        "Vətəndaşların müraciətləri ilə iş şöbəsi",
        "Отдел по работе с обращениями граждан",
        "Citizens' appeals department",
    ),
    (
        "housing",
        "Mənzil-kommunal təsərrüfatı şöbəsi",
        "Отдел жилищно-коммунального хозяйства",
        "Housing and utilities department",
    ),
    ("social", "Sosial məsələlər şöbəsi", "Отдел социальных вопросов", "Social affairs department"),
    (
        "construction",
        "Tikinti və arxitektura şöbəsi",
        "Отдел строительства и архитектуры",
        "Construction and architecture department",
    ),
]

# National appeal categories: code, az, ru, en, and the kind of department they go to by default.
CATEGORIES = [
    ("utilities", "Kommunal xidmətlər", "Коммунальные услуги", "Utilities", "housing"),
    ("roads", "Yollar və nəqliyyat", "Дороги и транспорт", "Roads and transport", "construction"),
    ("housing", "Mənzil məsələləri", "Жилищные вопросы", "Housing", "housing"),
    ("social", "Sosial müdafiə", "Социальная защита", "Social protection", "social"),
    ("land", "Torpaq və tikinti", "Земля и строительство", "Land and construction", "construction"),
    ("environment", "Ekologiya və abadlıq", "Экология и благоустройство", "Environment and public spaces", "housing"),
    ("education", "Təhsil", "Образование", "Education", "social"),
    ("health", "Səhiyyə", "Здравоохранение", "Health care", "social"),
    ("employment", "Məşğulluq", "Занятость", "Employment", "social"),
    ("other", "Digər", "Другое", "Other", "appeals"),
]

# Demo accounts: email, full name, [(role, district code or None)].
DEMO_USERS = [
    ("citizen@demo.az", "Leyla Məmmədova", []),
    ("official.gnc@demo.az", "Rəşad Əliyev", [("official", "GNC")]),
    ("head.gnc@demo.az", "Elçin Hüseynov", [("head", "GNC")]),
    ("official.msl@demo.az", "Günel Quliyeva", [("official", "MSL")]),
    ("head.msl@demo.az", "Anar Məmmədli", [("head", "MSL")]),
    ("editor.gnc@demo.az", "Səbinə İsmayılova", [("editor", "GNC")]),
    ("moderator.gnc@demo.az", "Orxan Babayev", [("moderator", "GNC")]),
    ("supervisor@demo.az", "Nigar Rzayeva", [("supervisor", None)]),
    ("admin@demo.az", "Tural Kərimov", [("admin", None)]),
]


def read_districts() -> list[dict[str, str]]:
    """The districts shipped with the project (code and names in az/ru/en)."""
    with open(DATA_DIR / "districts.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))



def seed_reference_data(progress: Callable[[Iterable], Iterable] = iter) -> dict[str, int]:
    """Create the missing districts, their departments and the categories; return counts added.

    Rows that exist are left as administrators made them (names, state); only a department kind or a
    category's default kind that is still empty is filled in.
    """
    added = {"districts": 0, "departments": 0, "categories": 0}
    existing = {d.code: d for d in db.session.scalars(select(District))}
    for row in progress(read_districts()):
        district = existing.get(row["code"])
        if district is None:
            district = District(code=row["code"], name_az=row["name_az"], name_ru=row["name_ru"],
                                name_en=row["name_en"])
            db.session.add(district)
            added["districts"] += 1
            db.session.flush()
        have = {d.name_az: d for d in db.session.scalars(select(Department).where(Department.district_id == district.id))}
        kinds = {d.kind for d in have.values()}
        for kind, az, ru, en in DEPARTMENTS:
            department = have.get(az)
            if department is None:
                db.session.add(Department(district_id=district.id, name_az=az, name_ru=ru, name_en=en,
                                          kind=None if kind in kinds else kind))
                added["departments"] += 1
            elif department.kind is None and kind not in kinds:
                department.kind = kind
    have_categories = {c.code: c for c in db.session.scalars(select(Category))}
    for position, (code, az, ru, en, kind) in enumerate(CATEGORIES):
        category = have_categories.get(code)
        if category is None:
            db.session.add(Category(code=code, name_az=az, name_ru=ru, name_en=en, position=position,
                                    default_department_kind=kind))
            added["categories"] += 1
        elif category.default_department_kind is None:
            category.default_department_kind = kind
    db.session.commit()
    return added


def ensure_user(email: str, full_name: str, password: str, roles: list[tuple[str, str | None]]) -> tuple[User, bool]:
    """Create the user (confirmed) with these roles unless present; add missing roles. Returns (user, created)."""
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    created = user is None
    if created:
        user = User(
            email=email,
            full_name=full_name,
            password_hash=hash_password(password),
            confirmed_at=utcnow(),
            privacy_accepted_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    districts = {d.code: d.id for d in db.session.scalars(select(District))}
    held = {(r.role, r.district_id) for r in user.roles}
    for role, code in roles:
        district_id = districts[code] if code else None
        if (role, district_id) not in held:
            user.roles.append(RoleAssignment(role=role, district_id=district_id))
    db.session.commit()
    return user, created


def seed_demo_users(progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Create the demo accounts (password ``demo-Parol-2026``); return how many were new."""
    created = 0
    for email, name, roles in progress(DEMO_USERS):
        created += ensure_user(email, name, DEMO_PASSWORD, roles)[1]
    return created
