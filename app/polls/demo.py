"""Demo polls and topics for `flask seed-demo`: every poll state and every topic state, with residents' votes.

Rows are built directly (no notifications); a poll whose Azerbaijani question
exists, or a topic its author already proposed, is left alone, so a rerun adds
nothing. Votes are written the way ``polls.vote`` writes them: a participation
row per resident and the options' tallies, nothing linking the two.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.administration.seed import DEMO_PASSWORD, ensure_user
from app.appeals.demo import DEMO_RESIDENTS
from app.extensions import db
from app.kit.calendar import local_date
from app.models import District, Poll, PollOption, PollParticipation, PollTopic, User, utcnow

# The demo residents' home districts (set only where a resident has none): polls are for a district's residents.
HOMES = {"citizen@demo.az": "GNC", "resident1@demo.az": "GNC", "resident2@demo.az": "GNC", "resident3@demo.az": "GNC",
         "resident4@demo.az": "GNC", "resident5@demo.az": "MSL", "resident6@demo.az": "MSL", "resident7@demo.az": "MSL"}

# Each poll: district (None: national), direction, kind, results rule, question and answers in az/ru/en,
# the explanation in az/ru/en (None: none), opening and closing in days from today, and the votes as
# (resident email, answer positions).
DEMO_POLLS = [
    {"district": "GNC", "direction": "public_spaces", "kind": "single", "visibility": "after_vote",
     "question": ("Mərkəzi parkın şimal hissəsində nə tikilsin?", "Что построить в северной части центрального парка?",
                  "What should be built in the north of the central park?"),
     "description": ("Parkın şimal hissəsində 0,5 hektar boş sahə var; icra hakimiyyəti sakinlərin seçimini tikəcək.",
                     "В северной части парка есть свободный участок в 0,5 гектара; исполнительная власть построит то, "
                     "что выберут жители.",
                     "There are 0.5 hectares of empty land in the north of the park; the executive authority will build "
                     "what residents choose."),
     "options": [("Uşaq meydançası", "Детская площадка", "A playground"),
                 ("İdman meydançası", "Спортивная площадка", "A sports ground"),
                 ("Fəvvarə və oturacaqlar", "Фонтан и скамейки", "A fountain and benches"),
                 ("Velosiped yolu", "Велодорожка", "A cycle path")],
     "opens": -40, "closes": -26, "topic_author": "resident1@demo.az",
     "votes": [("citizen@demo.az", [1]), ("resident1@demo.az", [1]), ("resident2@demo.az", [2]),
               ("resident3@demo.az", [1]), ("resident4@demo.az", [3])]},
    {"district": "GNC", "direction": "utilities", "kind": "multiple", "visibility": "after_vote",
     "question": ("Hansı küçələrdə işıqlandırma ilk növbədə bərpa olunsun?",
                  "На каких улицах сначала восстановить освещение?", "Which streets should get their lights back first?"),
     "description": ("Bu il 12 küçədə işıqlandırma bərpa olunacaq; ən çox səs toplayanlar ilk növbədə.",
                     "В этом году освещение восстановят на 12 улицах; первыми — на тех, что наберут больше всего "
                     "голосов.",
                     "This year the lights come back on 12 streets; those with the most votes come first."),
     "options": [("Nizami küçəsi", "Улица Низами", "Nizami street"), ("Atatürk prospekti", "Проспект Ататюрка",
                  "Ataturk avenue"), ("Cavadxan küçəsi", "Улица Джавадхана", "Javadkhan street"),
                 ("Şah İsmayıl Xətai prospekti", "Проспект Шаха Исмаила Хатаи", "Shah Ismail Khatai avenue")],
     "opens": -3, "closes": 11,
     "votes": [("resident2@demo.az", [1, 3]), ("resident3@demo.az", [1]), ("resident4@demo.az", [2, 3, 4])]},
    {"district": "GNC", "direction": "transport", "kind": "single", "visibility": "after_close",
     "question": ("Yeni avtobus marşrutu hansı istiqamətdə açılsın?", "В каком направлении открыть новый автобусный маршрут?",
                  "Where should the new bus route go?"),
     "description": None,
     "options": [("Dəmiryol vağzalı – Yeni yaşayış massivi", "Вокзал – новый жилой массив", "Station – new housing estate"),
                 ("Mərkəz – Sənaye zonası", "Центр – промзона", "Centre – industrial zone"),
                 ("Mərkəz – Hava limanı", "Центр – аэропорт", "Centre – airport")],
     "opens": 5, "closes": 20, "votes": []},
    {"district": "MSL", "direction": "economy", "kind": "single", "visibility": "after_close",
     "question": ("Şənbə yarmarkası harada keçirilsin?", "Где проводить субботнюю ярмарку?",
                  "Where should the Saturday fair be held?"),
     "description": None,
     "options": [("Mərkəzi meydanda", "На центральной площади", "On the central square"),
                 ("Bazar yanında", "Возле рынка", "Next to the market")],
     "opens": -2, "closes": 12, "votes": [("resident5@demo.az", [1]), ("resident6@demo.az", [2])]},
    {"district": "MSL", "direction": "transport", "kind": "single", "visibility": "after_vote",
     "question": ("Kənd yollarından hansı birinci təmir olunsun?", "Какую сельскую дорогу отремонтировать первой?",
                  "Which village road should be repaired first?"),
     "description": None,
     "options": [("Ərkivan yolu", "Дорога на Аркеван", "The Arkivan road"), ("Boradigah yolu", "Дорога на Борадигях",
                  "The Boradigah road"), ("Qızılağac yolu", "Дорога на Кызылагадж", "The Gizilaghaj road")],
     "opens": -30, "closes": -10,
     "votes": [("resident5@demo.az", [2]), ("resident6@demo.az", [2]), ("resident7@demo.az", [1])]},
    {"district": None, "direction": "other", "kind": "multiple", "visibility": "after_vote",
     "question": ("Portalın hansı xidmətlərindən istifadə edirsiniz?", "Какими услугами портала вы пользуетесь?",
                  "Which services of the portal do you use?"),
     "description": ("Cavablar portalın inkişafı üçün nəzərə alınacaq.",
                     "Ответы будут учтены при развитии портала.", "The answers will be taken into account in developing "
                     "the portal."),
     "options": [("Müraciətlər", "Обращения", "Appeals"), ("Qəbula yazılış", "Запись на приём", "Booking a reception"),
                 ("Elektron xidmətlər", "Электронные услуги", "E-services"), ("Sorğular", "Опросы", "Polls")],
     "opens": -7, "closes": 23,
     "votes": [("citizen@demo.az", [1, 3]), ("resident5@demo.az", [3]), ("resident1@demo.az", [1, 2, 4])]},
]

# Topics of Gəncə in the states a moderator leaves them: (author, status, direction, question, answers, reason).
DEMO_TOPICS = [
    ("citizen@demo.az", "submitted", "environment", "Həyətlərdə zibil qutularının sayı artırılsınmı?",
     ["Bəli, hər binaya bir əlavə qutu", "Bəli, ancaq çeşidləmə qutuları", "Xeyr, indiki kifayətdir"], None),
    ("resident2@demo.az", "changes_requested", "culture_sport", "Gənclər mərkəzində hansı dərnək açılsın?",
     ["Şahmat", "Rəqs"], "Ən azı üç seçim verin və 'Digər' cavabını əlavə edin."),
    ("resident3@demo.az", "rejected", "other", "Rayonun adı dəyişdirilsinmi?", ["Bəli", "Xeyr"],
     "Rayonların adları qanunla müəyyən olunur; bu, icra hakimiyyətinin səlahiyyətinə aid deyil."),
]


def _ensure_homes(residents: dict[str, User], districts: dict[str, int]) -> None:
    for email, code in HOMES.items():
        user = residents.get(email)
        if user is not None and user.district_id is None and code in districts:
            user.district_id = districts[code]


def _poll(spec: dict, district_id: int | None, today: datetime, creator: User | None, topic: PollTopic | None) -> Poll:
    az, ru, en = spec["question"]
    description_az, description_ru, description_en = spec["description"] or (None, None, None)
    poll = Poll(district_id=district_id, direction=spec["direction"], kind=spec["kind"],
                results_visibility=spec["visibility"], question_az=az, question_ru=ru, question_en=en,
                description_az=description_az, description_ru=description_ru, description_en=description_en,
                opens_at=today + timedelta(days=spec["opens"]),
                closes_at=today + timedelta(days=spec["closes"]), topic_id=topic.id if topic else None,
                created_by_id=creator.id if creator else None, created_at=today + timedelta(days=min(spec["opens"], 0) - 3))
    poll.updated_at = poll.created_at
    for position, (label_az, label_ru, label_en) in enumerate(spec["options"], start=1):
        poll.options.append(PollOption(position=position, label_az=label_az, label_ru=label_ru, label_en=label_en))
    return poll


def seed_demo(now: datetime | None = None) -> int:
    """The demo polls (every state, a national one) and Gəncə's topics (every state); returns how many polls were new."""
    now = now or utcnow()
    today = now.replace(hour=5, minute=0, second=0, microsecond=0)  # 09:00 in Baku
    districts = dict(db.session.execute(select(District.code, District.id)).all())
    if "GNC" not in districts:
        return 0
    residents = {email: ensure_user(email, name, DEMO_PASSWORD, [])[0] for email, name in DEMO_RESIDENTS}
    _ensure_homes(residents, districts)
    staff = {u.email: u for u in db.session.scalars(select(User).where(
        User.email.in_(["moderator.gnc@demo.az", "admin@demo.az"])))}
    moderator, admin = staff.get("moderator.gnc@demo.az"), staff.get("admin@demo.az")
    have_topics = set(db.session.execute(select(PollTopic.author_id, PollTopic.question)).all())
    for email, status, direction, question, options, reason in DEMO_TOPICS:
        author = residents[email]
        if (author.id, question) not in have_topics:
            db.session.add(PollTopic(district_id=districts["GNC"], author_id=author.id, direction=direction,
                                     question=question, options=options, status=status, reason=reason,
                                     decided_by_id=moderator.id if moderator and status != "submitted" else None,
                                     created_at=now - timedelta(days=4), updated_at=now - timedelta(days=2)))
    have_polls = set(db.session.scalars(select(Poll.question_az)))
    created = 0
    for spec in DEMO_POLLS:
        if spec["question"][0] in have_polls or (spec["district"] and spec["district"] not in districts):
            continue
        district_id = districts[spec["district"]] if spec["district"] else None
        topic = None
        if spec.get("topic_author"):
            topic = PollTopic(district_id=district_id, author_id=residents[spec["topic_author"]].id,
                              direction=spec["direction"], kind=spec["kind"], question=spec["question"][0],
                              description=(spec["description"] or (None,))[0], options=[o[0] for o in spec["options"]],
                              status="approved", decided_by_id=moderator.id if moderator else None,
                              created_at=today + timedelta(days=spec["opens"] - 7),
                              updated_at=today + timedelta(days=spec["opens"] - 3))
            db.session.add(topic)
            db.session.flush()
        creator = moderator if district_id == districts["GNC"] else admin if district_id is None else None
        poll = _poll(spec, district_id, today, creator, topic)
        db.session.add(poll)
        db.session.flush()
        for i, (email, picks) in enumerate(spec["votes"]):
            when = min(poll.opens_at + timedelta(hours=3 + 7 * i), now)
            db.session.add(PollParticipation(poll_id=poll.id, user_id=residents[email].id, voted_on=local_date(when)))
            for option in poll.options:
                if option.position in picks:
                    option.votes += 1
        created += 1
    db.session.commit()
    return created
