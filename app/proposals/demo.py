"""Demo proposals for `flask seed-demo`: Gəncə's in every state, a few in the other demo districts.

Honest numbers: every support is a real row of one of the eight demo residents,
so Gəncə's threshold is set to 5 supports (stored in its settings and shown on
its pages like any district's) rather than inventing a crowd of residents. One
of its proposals stands at 4 supports: a demo resident who has not supported it
yet crosses the threshold live. The other districts keep the default of 100.

Rows are built directly with realistic dates (no notifications are sent). A
proposal whose title its district already has is left alone, so reruns add
nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import deadline
from app.models import (
    Category,
    Commitment,
    CommitmentLink,
    District,
    Proposal,
    ProposalSettings,
    ProposalSupport,
    User,
    utcnow,
)
from app.models.proposal import DEFAULT_PERIOD_DAYS, RESPONSE_WORKING_DAYS

DEMO_THRESHOLD = 5

# (district, author index, title, text, category code, state, days since published, supporter indexes,
#  days from publishing to the threshold or None, decision, response, working late?, commitment title)
# Indexes point into demo.DEMO_RESIDENTS (0 is citizen@demo.az, 1–7 are resident1–7).
DEMO_PROPOSALS = [
    ("GNC", 0, "Uşaq meydançasına kölgəlik qurulsun",
     "Nizami parkındakı uşaq meydançasında yayda kölgə yoxdur. Meydançanın üstünə kölgəlik qurulmasını təklif edirəm.",
     "environment", "draft", None, [], None, None, None, False, None),
    ("GNC", 1, "Mərkəzi parkda velosiped yolu salınsın",
     "Mərkəzi parkın ətrafı ilə 2 km-lik velosiped yolu salınsın: gənclər və uşaqlar təhlükəsiz gəzə bilsinlər.",
     "roads", "published", 10, [1, 2], None, None, None, False, None),
    ("GNC", 2, "Avtobus dayanacaqlarına skamya və örtük",
     "Atatürk prospektindəki avtobus dayanacaqlarında nə skamya, nə də yağışdan örtük var. Yaşlılar ayaq üstə gözləyir.",
     "roads", "published", 20, [4, 5, 6, 7], None, None, None, False, None),
    ("GNC", 3, "Məktəb yanında piyada keçidi və svetofor",
     "5 nömrəli məktəbin qarşısındakı yolda piyada keçidi yoxdur. Uşaqların təhlükəsizliyi üçün keçid və svetofor qoyulsun.",
     "roads", "threshold_reached", 9, [0, 1, 3, 4, 5, 6], 6, None, None, False, None),
    ("GNC", 4, "Kənd yoluna küçə işıqları",
     "Gəncədən Hacıkəndə gedən yolun kənd hissəsində işıq yoxdur. Axşamlar piyadalar üçün təhlükəlidir.",
     "utilities", "threshold_reached", 55, [0, 2, 3, 4, 5, 7], 20, None, None, False, None),
    ("GNC", 5, "Şəhər mərkəzində pulsuz dayanacaq",
     "Şəhər mərkəzindəki dayanacaqlar pulsuz olsun, sakinlər üçün ödəniş ağırdır.",
     "roads", "answered", 70, [1, 3, 5, 6, 7], 15, "rejected",
     "Mərkəzdə dayanacaq yerləri azdır; ödəniş yerlərin dövriyyəsini təmin edir. Sakinlər üçün aylıq güzəştli "
     "abunə nəzərdən keçiriləcək, lakin dayanacaqların tam pulsuz olması mümkün deyil.", True, None),
    ("GNC", 6, "Bazar ətrafında səkilər genişləndirilsin",
     "Mərkəzi bazarın ətrafında səkilər dardır, alıcılar yolun kənarı ilə gəzir.",
     "environment", "answered", 60, [0, 1, 2, 4, 6], 12, "partly_accepted",
     "Bazarın şimal və qərb tərəfində səkilər gələn il genişləndiriləcək; cənub tərəfdə yol ensiz olduğundan "
     "bu mümkün deyil, orada piyada zolağı rənglənəcək.", False, None),
    ("GNC", 7, "Gənclər üçün pulsuz peşə kursları açılsın",
     "Rayonda işsiz gənclər üçün kompüter, elektrik və aşpazlıq kursları pulsuz təşkil olunsun.",
     "employment", "in_progress", 80, [0, 1, 2, 3, 5, 7], 25, "accepted",
     "Təklif qəbul edildi: kurslar rayon mərkəzində təşkil olunur, qeydiyyat portalda elan ediləcək.", False,
     "Gənclər üçün pulsuz peşə kursları"),
    ("GNC", 1, "Parkda skamyalar təmir olunsun",
     "Mərkəzi parkda skamyaların çoxu qırılıb, axşamlar işıq yanmır.",
     "environment", "implemented", 240, [0, 2, 3, 4, 5, 6, 7], 18, "accepted",
     "Təklif qəbul edildi: 60 skamya təmir olunacaq və 40 yeni işıq dirəyi qoyulacaq.", False,
     "Mərkəzi parkda skamyaların və işıqlandırmanın təmiri"),
    ("GNC", 2, "Kitabxana həftəsonu da açıq olsun",
     "Mərkəzi kitabxana şənbə və bazar günləri də açıq olsun: tələbələr həftəsonu oxumaq istəyir.",
     "education", "expired", 120, [2, 5], None, None, None, False, None),
    ("MSL", 3, "Sahil boyu gəzinti yolu",
     "Masallıda çay sahili boyu piyada gəzinti yolu və skamyalar salınsın.",
     "environment", "published", 15, [1, 3, 6], None, None, None, False, None),
    ("MSL", 4, "Kəndlərə gündəlik avtobus reysi",
     "Ucqar kəndlərdən rayon mərkəzinə hər gün səhər avtobus reysi olsun.",
     "roads", "expired", 130, [4], None, None, None, False, None),
    ("MSL", 5, "İdman meydançası tikilsin",
     "Məktəblərdən birinin yanında açıq idman meydançası tikilsin.",
     "education", "draft", None, [], None, None, None, False, None),
    ("QBA", 6, "Meşə yolunda istiqamət lövhələri",
     "Qubanın meşə yollarında turistlər üçün istiqamət lövhələri qoyulsun.",
     "environment", "published", 5, [6, 7], None, None, None, False, None),
    ("SKI", 7, "Tarixi küçələrdə daş örtüyün bərpası",
     "Şəkinin köhnə məhəllələrində daş küçə örtüyü bərpa olunsun.",
     "roads", "published", 30, [0, 7], None, None, None, False, None),
]


def _build(spec: tuple, district: District, category: Category, residents: list[User], head: User | None,
           now: datetime) -> Proposal:
    """One demo proposal with its supports, its dates fitting its state."""
    (_code, author, title, body, _category, state, ago, supporters, reached_after, decision, response, late,
     _commitment) = spec
    threshold = DEMO_THRESHOLD if district.code == "GNC" else 100
    created = now - timedelta(days=(ago or 0) + 1, hours=3)
    proposal = Proposal(district_id=district.id, category_id=category.id, author_id=residents[author].id, title=title,
                        body=body, state=state, threshold=threshold, created_at=created, updated_at=created)
    if ago is not None:
        published = now - timedelta(days=ago)
        proposal.published_at, proposal.support_until = published, published + timedelta(days=DEFAULT_PERIOD_DAYS)
        proposal.supports_count = len(supporters)
        if reached_after is not None:
            reached = published + timedelta(days=reached_after)
            proposal.threshold_reached_at = reached
            proposal.response_due_at = deadline(reached, RESPONSE_WORKING_DAYS)
        if decision is not None:
            # Most answers come in time; the late one is counted as late on the accountability page.
            answered = proposal.response_due_at + timedelta(days=4) if late else reached + timedelta(days=9)
            proposal.decision, proposal.response, proposal.answered_at = decision, response, min(answered, now)
            proposal.answered_by_id = head.id if head else None
            if state in ("in_progress", "implemented"):
                proposal.started_at = min(proposal.answered_at + timedelta(days=7), now)
            if state == "implemented":
                proposal.implemented_at = min(proposal.started_at + timedelta(days=120), now)
        if state == "expired":
            proposal.expired_at = proposal.support_until
        proposal.updated_at = now
    db.session.add(proposal)
    db.session.flush()
    for position, index in enumerate(supporters):
        when = proposal.published_at + timedelta(hours=5 + 7 * position)
        db.session.add(ProposalSupport(proposal_id=proposal.id, citizen_id=residents[index].id,
                                       created_at=min(when, proposal.threshold_reached_at or when, now)))
    return proposal


def seed_demo(now: datetime | None = None) -> int:
    """Gəncə's threshold of 5 and the demo proposals of the demo districts; returns how many proposals were new."""
    from app.administration.seed import DEMO_PASSWORD, ensure_user
    from app.appeals.demo import DEMO_RESIDENTS

    now = now or utcnow()
    districts = {d.code: d for d in db.session.scalars(select(District).where(District.code.in_(("GNC", "MSL", "QBA", "SKI"))))}
    if "GNC" not in districts:
        return 0
    categories = {c.code: c for c in db.session.scalars(select(Category))}
    if db.session.get(ProposalSettings, districts["GNC"].id) is None:
        db.session.add(ProposalSettings(district_id=districts["GNC"].id, threshold=DEMO_THRESHOLD,
                                        period_days=DEFAULT_PERIOD_DAYS, updated_at=now))
    residents = [ensure_user(email, name, DEMO_PASSWORD, [])[0] for email, name in DEMO_RESIDENTS]
    have = {(district_id, title) for district_id, title in db.session.execute(select(Proposal.district_id, Proposal.title))}
    created = 0
    for spec in DEMO_PROPOSALS:
        district = districts.get(spec[0])
        if district is None or (district.id, spec[2]) in have or spec[4] not in categories:
            continue
        head = db.session.scalar(select(User).where(User.email == f"head.{spec[0].lower()}@demo.az"))
        proposal = _build(spec, district, categories[spec[4]], residents, head, now)
        commitment_title = spec[12]
        if commitment_title:
            commitment = db.session.scalar(select(Commitment).where(
                Commitment.district_id == district.id, Commitment.title_az == commitment_title))
            if commitment is not None:
                db.session.add(CommitmentLink(commitment_id=commitment.id, kind="proposal", proposal_id=proposal.id,
                                              created_by_id=head.id if head else None, created_at=now))
        created += 1
    db.session.commit()
    return created
