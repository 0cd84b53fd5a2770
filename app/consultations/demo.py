"""Demo consultations for ``flask seed-demo``: every state in Gəncə and Masallı, one open in Quba and Şəki,
comments and replies, answers, a hidden comment, an open report and a blocked demo resident.

Rows are built directly (no notifications, no audit entries). A consultation is known by its district and
Azerbaijani title, so a second run, or a run after an interruption, adds only what is missing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationComment,
    ConsultationOption,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationSection,
    District,
    Report,
    User,
    UserBlock,
    utcnow,
)

# (az, ru, en) texts of the sections every demo consultation shares a shape with.
PARK = {
    "title": ("Mərkəzi parkın istifadə qaydaları", "Правила пользования центральным парком", "Rules for the central park"),
    "summary": ("Parkın iş saatları, itlərin gəzdirilməsi və velosiped yolları haqqında qaydaların layihəsi.",
                "Проект правил о часах работы парка, выгуле собак и велодорожках.",
                "Draft rules on the park's opening hours, walking dogs and cycle paths."),
    "sections": [
        (("İş saatları", "Часы работы", "Opening hours"),
         ("Park hər gün 07:00-dan 23:00-dək açıqdır.", "Парк открыт ежедневно с 07:00 до 23:00.",
          "The park is open every day from 07:00 to 23:00."),
         ("Park hər gün 06:00-dan 24:00-dək açıqdır.", "Парк открыт ежедневно с 06:00 до 24:00.",
          "The park is open every day from 06:00 to 24:00."),
         ("Səhər idmanı edən sakinlər parkın daha tez açılmasını istədi.", "Жители, занимающиеся утренним спортом, просили открывать парк раньше.",
          "Residents who exercise in the morning asked for earlier opening.")),
        (("İtlərin gəzdirilməsi", "Выгул собак", "Walking dogs"),
         ("İtlər yalnız qayışla və ayrılmış ərazidə gəzdirilir.", "Собак выгуливают только на поводке и на отведённой территории.",
          "Dogs are walked on a lead and only in the area set aside for them."),
         None, None),
        (("Velosiped yolları", "Велодорожки", "Cycle paths"),
         ("Velosipedlər yalnız işarələnmiş yollarda sürülür.", "На велосипедах ездят только по размеченным дорожкам.",
          "Bicycles are ridden only on the marked paths."),
         None, None),
    ],
    "questions": [
        (("Parkın iş saatları sizin üçün uyğundurmu?", "Удобны ли вам часы работы парка?", "Do the opening hours suit you?"),
         [("Bəli", "Да", "Yes"), ("Xeyr, daha tez açılsın", "Нет, пусть открывается раньше", "No, it should open earlier"),
          ("Fərqi yoxdur", "Всё равно", "I don't mind")]),
        (("Parkda itlər üçün ayrıca meydança lazımdırmı?", "Нужна ли в парке отдельная площадка для собак?",
          "Does the park need a separate area for dogs?"),
         [("Bəli", "Да", "Yes"), ("Xeyr", "Нет", "No")]),
    ],
}
WASTE = {
    "title": ("Məişət tullantılarının daşınma qrafiki", "График вывоза бытовых отходов", "Household waste collection schedule"),
    "summary": ("Tullantıların hansı günlərdə və saatlarda daşınacağı haqqında qərar layihəsi.",
                "Проект решения о днях и часах вывоза отходов.",
                "Draft decision on the days and hours of waste collection."),
    "sections": [
        (("Daşınma günləri", "Дни вывоза", "Collection days"),
         ("Tullantılar həftədə üç dəfə daşınır.", "Отходы вывозятся три раза в неделю.", "Waste is collected three times a week."),
         ("Tullantılar hər gün daşınır.", "Отходы вывозятся ежедневно.", "Waste is collected every day."),
         ("Sakinlər yayda həftədə üç dəfənin az olduğunu yazdı.", "Жители написали, что летом трёх раз в неделю мало.",
          "Residents wrote that three times a week is too few in summer.")),
        (("Konteynerlər", "Контейнеры", "Containers"),
         ("Hər həyətdə ən azı iki konteyner qoyulur.", "В каждом дворе ставится не меньше двух контейнеров.",
          "Every courtyard gets at least two containers."),
         None, None),
    ],
    "questions": [
        (("Tullantılar nə vaxt daşınmalıdır?", "Когда следует вывозить отходы?", "When should waste be collected?"),
         [("Səhər", "Утром", "In the morning"), ("Axşam", "Вечером", "In the evening")]),
    ],
    "outcome": ("İki dəyişiklik edildi: tullantılar hər gün daşınacaq, konteynerlərin sayı olduğu kimi qalır.",
                "Внесены изменения: отходы будут вывозиться ежедневно, число контейнеров остаётся прежним.",
                "One change was made: waste will be collected every day; the number of containers stays as it was."),
}
PARKING = {
    "title": ("Həyətyanı ərazilərdə avtomobil saxlanması", "Стоянка автомобилей во дворах", "Parking in courtyards"),
    "summary": ("Yaşayış binalarının həyətlərində avtomobil saxlanması qaydalarının layihəsi.",
                "Проект правил стоянки автомобилей во дворах жилых домов.",
                "Draft rules for parking cars in the courtyards of apartment blocks."),
    "sections": [
        (("Uşaq meydançaları", "Детские площадки", "Playgrounds"),
         ("Uşaq meydançalarından 10 metr məsafədə avtomobil saxlamaq qadağandır.",
          "Стоянка ближе 10 метров от детских площадок запрещена.",
          "Parking within 10 metres of a playground is forbidden."), None, None),
        (("Yanğın keçidləri", "Пожарные проезды", "Fire lanes"),
         ("Yanğın keçidləri həmişə boş saxlanılır.", "Пожарные проезды всегда остаются свободными.",
          "Fire lanes are always kept clear."), None, None),
    ],
    "questions": [
        (("Həyətinizdə parklanma problemi varmı?", "Есть ли во дворе проблема с парковкой?",
          "Is parking a problem in your courtyard?"),
         [("Bəli", "Да", "Yes"), ("Xeyr", "Нет", "No"), ("Bəzən", "Иногда", "Sometimes")]),
    ],
}
MARKET = {
    "title": ("Küçə ticarəti qaydaları", "Правила уличной торговли", "Street trading rules"),
    "summary": ("Küçədə ticarət üçün yerlərin və saatların müəyyən edilməsi.", "Определение мест и часов уличной торговли.",
                "Setting the places and hours for street trading."),
    "sections": [
        (("Ticarət yerləri", "Места торговли", "Trading places"),
         ("Küçə ticarəti yalnız bələdiyyənin ayırdığı yerlərdə aparılır.", "Уличная торговля ведётся только в отведённых местах.",
          "Street trading takes place only in the places set aside for it."), None, None),
    ],
    "questions": [],
}
YOUTH = {
    "title": ("Gənclər mərkəzinin iş saatları", "Часы работы молодёжного центра", "Opening hours of the youth centre"),
    "summary": ("Gənclər mərkəzinin həftəsonu da açıq olması təklifi.", "Предложение открыть молодёжный центр и по выходным.",
                "A proposal to open the youth centre at weekends too."),
    "sections": [
        (("Həftəsonu", "Выходные", "Weekends"),
         ("Mərkəz şənbə və bazar günləri 10:00-dan 18:00-dək açıqdır.", "Центр открыт по субботам и воскресеньям с 10:00 до 18:00.",
          "The centre is open on Saturdays and Sundays from 10:00 to 18:00."), None, None),
    ],
    "questions": [],
}

COMMENTS = [
    # (resident index, section index, text, reply to comment index or None)
    (1, 0, "Park səhər 06:00-da açılsın, çoxumuz işdən əvvəl qaçırıq.", None),
    (2, 0, "Razıyam, səhər tezdən açılması yaxşı olar.", 0),
    (3, 1, "İtlər üçün ayrıca meydança lazımdır, uşaqlar qorxur.", None),
    (4, 2, "Velosiped yolları daha geniş olmalıdır.", None),
    (5, 1, "Bu qayda heç kimin vecinə deyil, axmaq qaydadır!", None),
]


def _texts(row, stem: str, values) -> None:
    for lang, value in zip(("az", "ru", "en"), values, strict=True):
        setattr(row, f"{stem}_{lang}", value)


def _build(spec: dict, district: District, editor: User | None, opens: datetime, closes: datetime, *,
           status: str = "published", outcome_at: datetime | None = None) -> Consultation:
    c = Consultation(district_id=district.id, status=status, opens_at=opens, closes_at=closes,
                     created_by_id=editor.id if editor else None, created_at=opens - timedelta(days=3),
                     updated_at=opens - timedelta(days=3),
                     published_at=opens - timedelta(days=1) if status == "published" else None)
    _texts(c, "title", spec["title"])
    _texts(c, "summary", spec["summary"])
    for i, (title, body, final, change) in enumerate(spec["sections"], start=1):
        section = ConsultationSection(position=i)
        _texts(section, "title", title)
        _texts(section, "body", body)
        if outcome_at and final:
            _texts(section, "final", final)
            _texts(section, "change", change)
        c.sections.append(section)
    for i, (text, options) in enumerate(spec["questions"], start=1):
        question = ConsultationQuestion(position=i)
        _texts(question, "text", text)
        for j, labels in enumerate(options, start=1):
            option = ConsultationOption(position=j)
            _texts(option, "label", labels)
            question.options.append(option)
        c.questions.append(question)
    if outcome_at and spec.get("outcome"):
        _texts(c, "outcome", spec["outcome"])
        c.outcome_published_at = outcome_at
    db.session.add(c)
    db.session.flush()
    return c


def _discussion(c: Consultation, residents: list[User], start: datetime) -> list[ConsultationComment]:
    """Comments and replies on the sections the consultation has, and answers from six residents."""
    made: list[ConsultationComment | None] = []
    for n, (who, section, text, reply_to) in enumerate(COMMENTS):
        if who >= len(residents) or section >= len(c.sections):
            made.append(None)
            continue
        parent = made[reply_to] if reply_to is not None else None
        entry = ConsultationComment(consultation_id=c.id, section_id=c.sections[section].id,
                                    parent_id=parent.id if parent else None, author_id=residents[who].id,
                                    body=text, created_at=start + timedelta(hours=5 * n + 3))
        db.session.add(entry)
        db.session.flush()
        made.append(entry)
    for i, resident in enumerate(residents[:6]):
        if not c.questions:
            break
        response = ConsultationResponse(consultation_id=c.id, citizen_id=resident.id, created_at=start + timedelta(hours=i))
        response.answers = [ConsultationAnswer(question_id=q.id, option_id=q.options[(i + k) % len(q.options)].id)
                            for k, q in enumerate(c.questions)]
        db.session.add(response)
    return made


def _moderate(made: list, district_id: int, moderator: User, reporter: User, start: datetime) -> None:
    """The rude comment reported and hidden (the original kept), and another one's report still open."""
    rude, doubtful = made[4], made[3]
    rude.hidden_at, rude.hidden_by_id = start + timedelta(days=1), moderator.id
    rude.hidden_reason = "Təhqiramiz ifadələr portalın qaydalarına ziddir."
    db.session.add(Report(target_type="comment", target_id=rude.id, district_id=district_id, reporter_id=reporter.id,
                          reason="Təhqiramiz söz", created_at=rude.created_at + timedelta(hours=2),
                          resolved_at=rude.hidden_at, resolved_by_id=moderator.id, outcome="hidden"))
    db.session.add(Report(target_type="comment", target_id=doubtful.id, district_id=district_id, reporter_id=reporter.id,
                          reason="Mövzudan kənar, reklam kimi görünür.", created_at=doubtful.created_at + timedelta(hours=1)))


def seed_demo_consultations(now: datetime | None = None) -> int:
    """Create the missing demo consultations; return how many were created."""
    now = now or utcnow()
    districts = {d.code: d for d in db.session.scalars(select(District).where(District.code.in_(("GNC", "MSL", "QBA", "SKI"))))}
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%@demo.az")))}
    residents = [users[e] for e in ("citizen@demo.az", *(f"resident{i}@demo.az" for i in range(1, 8))) if e in users]
    # The demo citizen only reads and reports here; the others write (so the citizen's cabinet stays simple).
    writers = [r for r in residents if r.email != "citizen@demo.az"]
    editor, moderator = users.get("editor.gnc@demo.az"), users.get("moderator.gnc@demo.az")
    reporter = users.get("citizen@demo.az")
    plans = [
        ("GNC", PARK, now - timedelta(days=5), now + timedelta(days=10), "published", None, True),
        ("GNC", PARKING, now - timedelta(days=40), now - timedelta(days=5), "published", None, True),
        ("GNC", WASTE, now - timedelta(days=90), now - timedelta(days=60), "published", now - timedelta(days=45), True),
        ("GNC", YOUTH, now + timedelta(days=7), now + timedelta(days=21), "published", None, False),
        ("GNC", MARKET, now + timedelta(days=14), now + timedelta(days=28), "draft", None, False),
        ("MSL", PARK, now - timedelta(days=3), now + timedelta(days=12), "published", None, True),
        ("MSL", PARKING, now - timedelta(days=30), now - timedelta(days=2), "published", None, True),
        ("MSL", WASTE, now - timedelta(days=100), now - timedelta(days=70), "published", now - timedelta(days=50), True),
        ("QBA", PARK, now - timedelta(days=2), now + timedelta(days=20), "published", None, False),
        ("SKI", PARK, now - timedelta(days=1), now + timedelta(days=20), "published", None, False),
    ]
    created = 0
    for code, spec, opens, closes, status, outcome_at, discussed in plans:
        district = districts.get(code)
        if district is None or db.session.scalar(select(Consultation.id).where(
                Consultation.district_id == district.id, Consultation.title_az == spec["title"][0])):
            continue
        c = _build(spec, district, editor if code == "GNC" else None, opens, closes, status=status, outcome_at=outcome_at)
        if discussed and writers:
            made = _discussion(c, writers, opens + timedelta(hours=2))
            # Gəncə's open consultation carries the moderation demo: a hidden comment and an open report.
            if code == "GNC" and spec is PARK and moderator and reporter and None not in made:
                _moderate(made, district.id, moderator, reporter, opens + timedelta(hours=2))
        created += 1
    blocked = users.get("resident7@demo.az")
    if blocked is not None and moderator is not None and not db.session.scalar(
            select(UserBlock.id).where(UserBlock.user_id == blocked.id)):
        db.session.add(UserBlock(user_id=blocked.id, district_id=districts["GNC"].id if "GNC" in districts else None,
                                 reason="Təkrar-təkrar reklam yazdığı üçün.", created_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=13), created_by_id=moderator.id))
    db.session.commit()
    return created
