"""Demo appeals for `flask seed-demo`: a few hundred, in every status, with realistic dates.

Rows are built directly (no notifications are sent). Each demo appeal has a
fixed submission token ``demo-N``, so a second run, or a run after an
interruption, creates only the ones still missing.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from app.administration.seed import DEMO_PASSWORD, ensure_user
from app.appeals.service import ANSWER_DAYS, FORWARD_DAYS, NOT_CONSIDERED_DAYS, colleagues, next_number
from app.extensions import db
from app.kit.calendar import add_working_days, deadline, end_of_day, local_date
from app.models import Appeal, AppealEvent, Category, District, User, utcnow

DEMO_DISTRICTS = ("GNC", "MSL", "QBA", "SKI")
DEMO_APPEALS = 320
DEMO_RESIDENTS = [
    ("citizen@demo.az", "Leyla Məmmədova"),
    ("resident1@demo.az", "Kamran Əhmədov"),
    ("resident2@demo.az", "Sevinc Nəsirova"),
    ("resident3@demo.az", "Ramil Qasımov"),
    ("resident4@demo.az", "Aynur Cəfərova"),
    ("resident5@demo.az", "Vüqar Mustafayev"),
    ("resident6@demo.az", "Könül İbrahimova"),
    ("resident7@demo.az", "Fərid Abbasov"),
]

# (category code, subject, text) in Azerbaijani, the language most appeals are written in.
TOPICS = [
    ("utilities", "Küçədə su təchizatı kəsilib", "Üç gündür ki, küçəmizdə su yoxdur. Xahiş edirəm, səbəbini araşdırıb su təchizatını bərpa edəsiniz."),
    ("utilities", "Qaz təzyiqi aşağıdır", "Axşam saatlarında qaz təzyiqi çox aşağı düşür, mənzili qızdırmaq mümkün olmur."),
    ("roads", "Yolda dərin çuxur var", "Məktəbin qarşısındakı yolda dərin çuxur yaranıb, uşaqlar və maşınlar üçün təhlükəlidir."),
    ("roads", "Avtobus marşrutunun dəyişdirilməsi", "Kəndimizdən rayon mərkəzinə gedən avtobus səhər saat 7-dən əvvəl də işləsin deyə təklif edirəm."),
    ("housing", "Binanın damı axır", "Yağış yağanda beşmərtəbəli binamızın damı axır, yuxarı mərtəbələrdə divarlar nəmlənib."),
    ("social", "Ünvanlı sosial yardım haqqında", "Ünvanlı sosial yardım üçün müraciətimə hələ cavab verilməyib, vəziyyəti öyrənmək istəyirəm."),
    ("land", "Torpaq sahəsinin sərhədləri", "Qonşu torpaq sahəsinin sahibi hasarı bizim sahəyə keçirib, ölçmə aparılmasını xahiş edirəm."),
    ("environment", "Zibil vaxtında daşınmır", "Həyətimizdəki zibil konteynerləri bir həftədir boşaldılmır, pis qoxu yayılır."),
    ("environment", "Parkda skamyalar qırılıb", "Mərkəzi parkda skamyaların çoxu qırılıb, təmir olunmasını təklif edirəm."),
    ("education", "Məktəbdə isitmə sistemi", "Məktəbin ikinci mərtəbəsində siniflər soyuqdur, isitmə sistemi işləmir."),
    ("health", "Kənd həkim məntəqəsi", "Kənd həkim məntəqəsində həftədə yalnız bir gün həkim olur, daha tez-tez gəlməsini xahiş edirik."),
    ("employment", "Gənclər üçün peşə kursları", "Rayonda gənclər üçün pulsuz peşə kurslarının açılmasını təklif edirəm."),
    ("other", "Küçə işıqlandırması", "Küçəmizdə axşamlar işıq yanmır, gecə gəzmək təhlükəli olur."),
]
ANSWERS = [
    "Müraciətiniz araşdırıldı. Aidiyyəti qurumla birlikdə problem aradan qaldırıldı. Diqqətiniz üçün təşəkkür edirik.",
    "Təklifiniz nəzərə alındı və növbəti ilin iş planına daxil edildi.",
    "Məsələ yerində öyrənildi; təmir işləri bu ayın sonunadək başa çatdırılacaq.",
]


def _plan(rng: random.Random, now: datetime) -> tuple[str, datetime]:
    """A status and a filing time that fit together (older appeals are mostly finished)."""
    age = rng.randint(0, 150)
    created = now - timedelta(days=age, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
    if age < 5:
        status = rng.choice(["submitted", "registered", "in_progress"])
    elif age < 14:
        status = rng.choice(["registered", "in_progress", "in_progress", "info_requested", "answered", "answered", "reopened"])
    elif age < 25:
        status = rng.choice(["in_progress", "info_requested", "closed", "closed", "forwarded", "not_considered"])
    else:
        status = rng.choice(["closed", "closed", "closed", "closed", "not_considered", "forwarded", "in_progress"])
    return status, created


def _build(rng: random.Random, token: str, district: District, category: Category, citizen: User,
           officials: list[User], status: str, created: datetime, now: datetime) -> Appeal:
    topic = rng.choice([t for t in TOPICS if t[0] == category.code] or TOPICS)
    due = deadline(created, ANSWER_DAYS)
    appeal = Appeal(
        number=next_number(district, local_date(created).year),
        kind=rng.choice(["application", "application", "complaint", "proposal"]),
        district_id=district.id, category_id=category.id, citizen_id=citizen.id,
        subject=topic[1], text=topic[2], applicant_name=citizen.full_name,
        applicant_address=f"{district.name_az} ş., {rng.randint(1, 120)} saylı ev",
        public_ok=rng.random() < 0.6, locale="az", submission_token=token,
        status=status, created_at=created, registered_at=created, due_at=due, initial_due_at=due,
        updated_at=created,
    )
    events: list[tuple[str, str | None, str, datetime, User | None]] = [("filed", None, "submitted", created, citizen)]
    official = rng.choice(officials) if officials else None
    step = created + timedelta(hours=rng.randint(2, 30))
    if status != "submitted":
        events.append(("registered", "submitted", "registered", step, official))
    if status in ("in_progress", "info_requested", "answered", "closed", "reopened"):
        appeal.assignee_id = official.id if official else None
        events.append(("started", "registered", "in_progress", step + timedelta(hours=3), official))
    if status == "info_requested":
        events.append(("info_requested", "in_progress", "info_requested", step + timedelta(days=2), official))
    if status in ("answered", "closed", "reopened"):
        # Most answers come in time; some are late, as in life.
        answered_day = add_working_days(local_date(created), rng.randint(3, 19))
        answered = min(end_of_day(answered_day) - timedelta(hours=rng.randint(6, 12)), now - timedelta(hours=1))
        appeal.answer, appeal.answered_at = rng.choice(ANSWERS), answered
        events.append(("answered", "in_progress", "answered", answered, official))
        if status == "closed":
            appeal.closed_at = answered + timedelta(days=rng.randint(1, 10))
            if rng.random() < 0.7:
                appeal.rating, appeal.rated_at = rng.choice([5, 5, 4, 4, 3, 2, 1]), appeal.closed_at
                events.append(("rated", "answered", "closed", appeal.closed_at, citizen))
            else:
                events.append(("closed", "answered", "closed", appeal.closed_at, None))
        if status == "reopened":
            appeal.reopen_count = 1
            disputed = min(answered + timedelta(days=2), now)
            appeal.due_at = deadline(disputed, ANSWER_DAYS)
            events.append(("disputed", "answered", "reopened", disputed, citizen))
    if status == "forwarded":
        appeal.forwarded_to = "Azərbaycan Respublikasının Ekologiya və Təbii Sərvətlər Nazirliyi"
        appeal.due_at = deadline(created, FORWARD_DAYS)
        appeal.closed_at = step + timedelta(days=1)
        events.append(("forwarded", "registered", "forwarded", appeal.closed_at, official))
    if status == "not_considered":
        appeal.not_considered_ground = "repeated"
        appeal.due_at = deadline(created, NOT_CONSIDERED_DAYS)
        appeal.closed_at = step + timedelta(days=2)
        events.append(("not_considered", "registered", "not_considered", appeal.closed_at, official))
    db.session.add(appeal)
    db.session.flush()
    for action, frm, to, when, actor in events:
        db.session.add(AppealEvent(appeal_id=appeal.id, actor_id=actor.id if actor else None, action=action,
                                   from_status=frm, to_status=to, created_at=min(when, now), public=True,
                                   due_at=appeal.due_at))
    return appeal


def seed_demo_appeals(count: int = DEMO_APPEALS, progress: Callable[[Iterable], Iterable] = iter, now: datetime | None = None) -> int:
    """Create the demo residents and up to ``count`` demo appeals; return how many appeals were new."""
    now = now or utcnow()
    rng = random.Random(2026)
    residents = [ensure_user(email, name, DEMO_PASSWORD, [])[0] for email, name in DEMO_RESIDENTS]
    districts = list(db.session.scalars(select(District).where(District.code.in_(DEMO_DISTRICTS)).order_by(District.code)))
    categories = list(db.session.scalars(select(Category).order_by(Category.position)))
    officials = {d.id: colleagues(d.id) for d in districts}
    have = set(db.session.scalars(select(Appeal.submission_token).where(Appeal.submission_token.like("demo-%"))))
    created = 0
    for i in progress(range(count)):
        # Draw every choice even for existing rows, so reruns produce the same appeals.
        district = districts[i % len(districts)]
        category, citizen = rng.choice(categories), rng.choice(residents)
        status, filed = _plan(rng, now)
        state = rng.getstate()
        token = f"demo-{i}"
        if token in have:
            continue
        _build(rng, token, district, category, citizen, officials[district.id], status, filed, now)
        rng.setstate(state)
        created += 1
        if created % 50 == 0:
            db.session.commit()
    db.session.commit()
    return created


# --- Reception ------------------------------------------------------------------------------

RECEPTION_WEEKS = 4
# A demo session's place and topics in az, ru and en (residents read them in their language).
RECEPTION_PLACE = ("İcra hakimiyyətinin inzibati binası, 1-ci mərtəbə, qəbul otağı",
                   "Административное здание исполнительной власти, 1-й этаж, приёмная",
                   "Administrative building of the executive authority, ground floor, reception room")
RECEPTION_SESSION_TOPICS = ("Mənzil, torpaq, sosial müdafiə", "Жильё, земля, социальная защита",
                            "Housing, land, social protection")
RECEPTION_TOPICS = ["Mənzil növbəsi ilə bağlı", "Torpaq sahəsinin sənədləşdirilməsi", "Sosial yardım barədə",
                    "Həyətdəki abadlıq işləri", "İşlə təmin olunma", "Kommunal xidmətlər"]


def _demo_session(district: District, host: User, starts: datetime, ends: datetime, now: datetime):
    from app.models import ReceptionSession
    from app.reception.service import cut_slots

    existing = db.session.scalar(select(ReceptionSession).where(
        ReceptionSession.host_id == host.id, ReceptionSession.starts_at == starts))
    if existing is not None:
        return existing, False
    session = ReceptionSession(district_id=district.id, host_id=host.id, created_by_id=host.id, starts_at=starts,
                               ends_at=ends, slot_minutes=20, seats_per_slot=1, place_az=RECEPTION_PLACE[0],
                               place_ru=RECEPTION_PLACE[1], place_en=RECEPTION_PLACE[2],
                               topics_az=RECEPTION_SESSION_TOPICS[0], topics_ru=RECEPTION_SESSION_TOPICS[1],
                               topics_en=RECEPTION_SESSION_TOPICS[2], cutoff_hours=24, created_at=now)
    cut_slots(session)
    db.session.add(session)
    db.session.flush()
    return session, True


def _demo_booking(session, slot, resident: User, topic: str, now: datetime) -> None:
    from app.models import ReceptionBooking

    booking = ReceptionBooking(session_id=session.id, slot_id=slot.id, seat=1, citizen_id=resident.id, topic=topic,
                               queue_number=slot.position + 1, created_at=now)
    db.session.add(booking)
    db.session.flush()
    booking.number = f"{session.district.code}-Q-{booking.id:06d}"


def seed_demo_receptions(now: datetime | None = None) -> int:
    """Reception days for the coming weeks in the demo districts that have a head, some partly booked,
    and one today with residents waiting, so that the day sheet has someone to check in. Returns new sessions."""
    from app.kit.calendar import BAKU
    from app.reception.service import hosts

    now = now or utcnow()
    today = local_date(now)
    residents = [ensure_user(email, name, DEMO_PASSWORD, [])[0] for email, name in DEMO_RESIDENTS]
    created = 0
    for district in db.session.scalars(select(District).where(District.code.in_(DEMO_DISTRICTS)).order_by(District.code)):
        for host in hosts(district.id)[:1]:
            days = [today] + [add_working_days(today, 3 + 5 * week) for week in range(RECEPTION_WEEKS)]
            for index, day in enumerate(days):
                starts = datetime(day.year, day.month, day.day, 10, tzinfo=BAKU)
                session, new = _demo_session(district, host, starts, starts + timedelta(hours=3), now)
                created += new
                if not new or index > 2:
                    continue
                # Today's reception and the next two are partly booked.
                for position, resident in enumerate(residents[: 4 - index]):
                    _demo_booking(session, session.slots[position * 2], resident,
                                  RECEPTION_TOPICS[(position + index) % len(RECEPTION_TOPICS)], now)
    db.session.commit()
    return created


def demo_service_people() -> tuple[list[User], dict[int, User]]:
    """The demo residents who apply for e-services, and the official who works them in each demo district."""
    from app.models import RoleAssignment

    residents = [ensure_user(email, name, DEMO_PASSWORD, [])[0] for email, name in DEMO_RESIDENTS]
    officials = {}
    for assignment in db.session.scalars(select(RoleAssignment).where(RoleAssignment.role == "official")):
        if assignment.district_id is not None and assignment.district_id not in officials:
            officials[assignment.district_id] = assignment.user
    return residents, officials
