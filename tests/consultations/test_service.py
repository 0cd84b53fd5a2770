"""Consultations: editors' drafts and publishing, residents' comments, replies and answers, the outcome, figures."""
from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.consultations import service as consultations
from app.extensions import db
from app.kit.calendar import local_date
from app.kit.errors import Invalid, NotFound
from app.models import ConsultationComment, ConsultationResponse, Report, User, utcnow
from app.moderation import service as moderation
from tests.consultation_helpers import make_consultation
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("consultations service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc, "msl": msl,
        "editor": create_user("editor.gnc@example.az", roles=[("editor", gnc)]),
        "editor_msl": create_user("editor.msl@example.az", roles=[("editor", msl)]),
        "admin": create_user("admin@example.az", roles=[("admin", None)]),
        "mod": create_user("mod.gnc@example.az", roles=[("moderator", gnc)]),
        "resident": create_user("resident@example.az", full_name="Aygün Həsənova"),
        "other": create_user("other@example.az", full_name="Rəşad Məmmədov"),
        "unconfirmed": create_user("new@example.az", confirmed=False),
    }


def _comments() -> int:
    return db.session.scalar(select(func.count(ConsultationComment.id)))


def test_states_follow_the_clock_and_the_outcome(world):
    for state in ("draft", "upcoming", "open", "closed", "concluded"):
        assert make_consultation(world["editor"], world["gnc"], state).state() == state


def test_editors_hold_only_their_districts_consultations(world):
    c = make_consultation(world["editor"], world["gnc"], "draft")
    with pytest.raises(NotFound):
        consultations.editable(world["editor_msl"], c.id)
    with pytest.raises(NotFound):
        consultations.publish(world["editor_msl"], c.id)
    today = local_date(utcnow())
    data = consultations.ConsultationInput(title_az="X", summary_az="Y", opens_on=today, closes_on=today, district_id=None)
    with pytest.raises(Invalid) as error:
        consultations.create(world["editor"], data)
    assert "district_id" in error.value.errors
    national = consultations.create(world["admin"], data)
    assert national.district_id is None
    assert [d.code for d in consultations.editor_scopes(world["editor"])] == ["GNC"]
    assert consultations.editor_scopes(world["admin"])[0] is None


def test_draft_input_is_checked(world):
    today = local_date(utcnow())
    bad = consultations.ConsultationInput(title_az="", summary_az="", opens_on=today - timedelta(days=1),
                                          closes_on=today - timedelta(days=2), district_id=world["gnc"].id)
    with pytest.raises(Invalid) as error:
        consultations.create(world["editor"], bad)
    assert set(error.value.errors) == {"title_az", "summary_az", "opens_on", "closes_on"}
    c = make_consultation(world["editor"], world["gnc"], "draft", questions=False)
    with pytest.raises(Invalid) as error:
        consultations.add_question(world["editor"], c.id, consultations.QuestionInput(
            text_az="Sual", options_az="Yalnız bir", options_ru="Один\nДва"))
    assert {"options_az", "options_ru"} <= set(error.value.errors)


def test_publishing_needs_a_section_and_freezes_the_document(world):
    today = local_date(utcnow())
    c = consultations.create(world["editor"], consultations.ConsultationInput(
        title_az="Boş", summary_az="Boş", opens_on=today, closes_on=today + timedelta(days=3), district_id=world["gnc"].id))
    with pytest.raises(Invalid):
        consultations.publish(world["editor"], c.id)
    consultations.add_section(world["editor"], c.id, consultations.SectionInput(title_az="A", body_az="B"))
    consultations.publish(world["editor"], c.id)
    with pytest.raises(Invalid):
        consultations.add_section(world["editor"], c.id, consultations.SectionInput(title_az="A", body_az="B"))


def test_a_resident_comments_and_replies(world):
    c = make_consultation(world["editor"], world["gnc"])
    section = c.sections[0]
    first = consultations.comment(world["resident"], c.id, section.id, "  Park 07:00-da açılsın.  ")
    assert first.body == "Park 07:00-da açılsın." and first.section_id == section.id
    reply = consultations.comment(world["other"], c.id, None, "Razıyam.", parent_id=first.id)
    deeper = consultations.comment(world["resident"], c.id, None, "Sağ olun.", parent_id=reply.id)
    assert reply.parent_id == first.id and deeper.parent_id == first.id and reply.section_id == section.id
    view = consultations.public_view(None, c.id)
    assert [len(t.replies) for t in view.threads[section.id]] == [2]
    assert consultations.my_comments(world["resident"]).total == 2


@pytest.mark.parametrize("state, expected", [("upcoming", "Comments open on"), ("closed", "period is over"),
                                             ("concluded", "period is over")])
def test_comments_outside_the_period_are_refused(world, state, expected):
    c = make_consultation(world["editor"], world["gnc"], state)
    with pytest.raises(Invalid) as error:
        consultations.comment(world["resident"], c.id, c.sections[0].id, "Söz")
    assert expected in error.value.errors[None]
    assert _comments() == 0


def test_bad_comments_are_refused_with_the_reason(world):
    c = make_consultation(world["editor"], world["gnc"])
    other = make_consultation(world["editor"], world["gnc"], title="Başqa")
    foreign = consultations.comment(world["other"], other.id, other.sections[0].id, "Başqa yerdə")
    section = c.sections[0].id
    cases = [
        (world["resident"], section, "", None, "body"),
        (world["resident"], section, "   ", None, "body"),
        (world["resident"], section, "x" * 2001, None, "body"),
        (world["resident"], other.sections[0].id, "Söz", None, None),
        (world["resident"], section, "Söz", foreign.id, None),
        (world["resident"], None, "Söz", None, None),
        (world["unconfirmed"], section, "Söz", None, None),
    ]
    for user, section_id, body, parent_id, field in cases:
        with pytest.raises(Invalid) as error:
            consultations.comment(user, c.id, section_id, body, parent_id=parent_id)
        assert field in error.value.errors
    assert _comments() == 1
    with pytest.raises(NotFound):
        consultations.comment(world["resident"], make_consultation(world["editor"], world["gnc"], "draft").id, section, "x")


def test_a_blocked_resident_is_told_until_when_and_why(world):
    c = make_consultation(world["editor"], world["gnc"])
    moderation.block(world["mod"], world["resident"].id, "Təhqir", utcnow() + timedelta(days=7))
    with pytest.raises(Invalid) as error:
        consultations.comment(world["resident"], c.id, c.sections[0].id, "Söz")
    assert "until" in error.value.errors[None] and "Təhqir" in error.value.errors[None]
    assert _comments() == 0


def test_comments_are_rate_limited(world, monkeypatch):
    monkeypatch.setattr(consultations, "COMMENTS_PER_HOUR", 2)
    c = make_consultation(world["editor"], world["gnc"])
    for text in ("bir", "iki"):
        consultations.comment(world["resident"], c.id, c.sections[0].id, text)
    with pytest.raises(Invalid) as error:
        consultations.comment(world["resident"], c.id, c.sections[0].id, "üç")
    assert "try again later" in error.value.errors[None]
    assert _comments() == 2


def test_one_answer_set_per_resident(world):
    c = make_consultation(world["editor"], world["gnc"])
    q = c.questions[0]
    with pytest.raises(Invalid) as error:
        consultations.answer(world["resident"], c.id, {q.id: None})
    assert f"q{q.id}" in error.value.errors
    with pytest.raises(Invalid):
        consultations.answer(world["resident"], c.id, {q.id: 999_999})
    consultations.answer(world["resident"], c.id, {q.id: q.options[0].id})
    with pytest.raises(Invalid) as error:
        consultations.answer(world["resident"], c.id, {q.id: q.options[1].id})
    assert "already answered" in error.value.errors[None]
    consultations.answer(world["other"], c.id, {q.id: q.options[0].id})
    results, total = consultations.results(c)
    assert total == 2 and [o.count for o in results[0].options] == [2, 0, 0]
    assert [o.percent for o in results[0].options] == [100, 0, 0]


def test_the_database_keeps_one_answer_set(world):
    from sqlalchemy.exc import IntegrityError

    c = make_consultation(world["editor"], world["gnc"])
    db.session.add(ConsultationResponse(consultation_id=c.id, citizen_id=world["resident"].id))
    db.session.commit()
    db.session.add(ConsultationResponse(consultation_id=c.id, citizen_id=world["resident"].id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_outcome_comes_after_the_period(world):
    c = make_consultation(world["editor"], world["gnc"])
    with pytest.raises(Invalid):
        consultations.publish_outcome(world["editor"], c.id, consultations.OutcomeInput(outcome_az="X"))
    closed = make_consultation(world["editor"], world["gnc"], "closed")
    with pytest.raises(Invalid) as error:
        consultations.publish_outcome(world["editor"], closed.id, consultations.OutcomeInput(outcome_az=""))
    assert "outcome_az" in error.value.errors
    with pytest.raises(Invalid) as error:
        consultations.set_section_outcome(world["editor"], closed.sections[0].id,
                                          consultations.SectionOutcomeInput(final_az="Yeni mətn"))
    assert "change_az" in error.value.errors
    concluded = make_consultation(world["editor"], world["gnc"], "concluded")
    section = concluded.sections[1]
    assert section.final_in("en") == "İtlər qayışla və ağızlıqla gəzdirilir."
    assert concluded.sections[0].final_in("az") == concluded.sections[0].body_az
    assert concluded.outcome_in("ru") == "İki dəyişiklik edildi."


def test_comments_are_moderated_by_their_districts_moderators(world):
    c = make_consultation(world["editor"], world["gnc"])
    entry = consultations.comment(world["other"], c.id, c.sections[0].id, "Pis söz")
    consultations.report_comment(world["resident"], entry.id, "Söyüş")
    [item] = moderation.queue(world["mod"]).items
    assert item.target_type == "comment" and item.title == "Pis söz" and item.url.endswith(f"#comment-{entry.id}")
    moderation.hide(world["mod"], "comment", entry.id, "Təhqir")
    db.session.expire_all()
    assert entry.is_hidden and db.session.scalar(select(Report.outcome)) == "hidden"
    with pytest.raises(Invalid):
        consultations.comment(world["resident"], c.id, None, "Cavab", parent_id=entry.id)
    msl_mod = create_user("mod.msl@example.az", roles=[("moderator", world["msl"])])
    with pytest.raises(NotFound):
        moderation.restore(msl_mod, "comment", entry.id)


def test_district_figures(world):
    open_ = make_consultation(world["editor"], world["gnc"])
    make_consultation(world["editor"], world["gnc"], "draft")
    make_consultation(world["editor"], world["gnc"], "concluded")
    consultations.comment(world["resident"], open_.id, open_.sections[0].id, "Söz")
    now = utcnow()
    figures = consultations.district_figures(world["gnc"].id, now - timedelta(days=365), now + timedelta(days=1))
    assert (figures.held, figures.comments, figures.concluded) == (2, 1, 1)
    assert consultations.district_figures(world["msl"].id, now - timedelta(days=365), now).held == 0


def test_public_list_filters_and_pages(world, count_queries):
    for state in ("draft", "upcoming", "open", "closed", "concluded"):
        make_consultation(world["editor"], world["gnc"], state)
    make_consultation(world["editor_msl"], world["msl"], "open")
    assert consultations.public_list().total == 5
    assert consultations.public_list(world["gnc"]).total == 4
    assert consultations.public_list(state="open").total == 2
    assert consultations.public_list(world["msl"], "closed").total == 0
    assert [s.consultation.state() for s in consultations.public_list(state="concluded").items] == ["concluded"]
    page = consultations.public_list(per_page=2, page=2)
    assert len(page.items) == 2 and page.pages == 3
    with count_queries() as q:
        consultations.public_list()
    assert q.count <= 4


def test_publishing_and_the_outcome_are_audited(world):
    from app.models import AuditEntry

    c = make_consultation(world["editor"], world["gnc"], "concluded")
    rows = db.session.execute(select(AuditEntry.action, AuditEntry.object_id, AuditEntry.district_id)
                              .order_by(AuditEntry.id)).all()
    assert [tuple(r) for r in rows] == [("consultation.publish", str(c.id), world["gnc"].id),
                                        ("consultation.outcome", str(c.id), world["gnc"].id)]


def test_demo_consultations_in_every_state(world):
    from app.administration import seed
    from app.appeals import demo
    from app.consultations import demo as consultation_demo
    from app.models import Consultation, UserBlock

    seed.seed_demo_users()
    demo.seed_demo_appeals(8)
    assert consultation_demo.seed_demo_consultations() == 10
    assert consultation_demo.seed_demo_consultations() == 0
    gnc = db.session.scalars(select(Consultation).where(Consultation.district_id == world["gnc"].id)).all()
    assert sorted(c.state() for c in gnc) == ["closed", "concluded", "draft", "open", "upcoming"]
    hidden = db.session.scalars(select(ConsultationComment).where(ConsultationComment.hidden_at.is_not(None))).all()
    assert len(hidden) == 1 and hidden[0].consultation.district_id == world["gnc"].id
    demo_mod = db.session.scalar(select(User).where(User.email == "moderator.gnc@demo.az"))
    assert len(moderation.queue(demo_mod).items) == 1
    blocked = db.session.scalar(select(UserBlock)).user
    assert blocked.email == "resident7@demo.az" and blocked.email != "citizen@demo.az"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="simultaneous answers are tested on PostgreSQL (SQLite serialises writers)")
def test_ten_simultaneous_answer_sets_from_one_resident_keep_one(app, world):
    c = make_consultation(world["editor"], world["gnc"])
    consultation_id, resident_id = c.id, world["resident"].id
    question_id, option_id = c.questions[0].id, c.questions[0].options[0].id
    barrier = threading.Barrier(10)
    kept, refused, errors = [], [], []

    def race() -> None:
        with app.test_request_context(), force_locale("en"):
            try:
                user = db.session.get(User, resident_id)
                db.session.close()
                barrier.wait()
                kept.append(consultations.answer(user, consultation_id, {question_id: option_id}).id)
            except Invalid as error:
                refused.append(error.errors[None])
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(kept) == 1 and len(refused) == 9
    assert all("already answered" in message for message in refused)
    assert db.session.scalar(select(func.count(ConsultationResponse.id))) == 1
