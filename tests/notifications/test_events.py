"""Every event that should reach someone does, with its kind and object: a resident about their own records, staff
about work arriving (a new appeal, an assignment, one working day left, overdue, an application waiting, a poll
topic or a comment for the moderators, an article for review)."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.appeals import service as appeals
from app.consultations import service as consultations
from app.eservices import service as eservices
from app.extensions import db
from app.kit.calendar import BAKU, local_date
from app.models import Category, District, Notification
from app.news import service as news
from app.polls import service as polls
from tests.consultation_helpers import make_consultation
from tests.factories import (
    PDF,
    Upload,
    application_input,
    create_appeal,
    create_article,
    create_reference_data,
    create_service,
    create_user,
)
from tests.snapshots import replayed

# 09:00 in Baku on Monday 16 March 2026: an appeal filed now is due on 15 April (Novruz and Ramazan between).
MONDAY = datetime(2026, 3, 16, 9, 0, tzinfo=BAKU)


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("notifications events: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc, "msl": msl,
        "category": db.session.scalars(select(Category).order_by(Category.id)).first(),
        "citizen": create_user("citizen@example.az", full_name="Aygün Həsənova"),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "head": create_user("head@example.az", roles=[("head", gnc)]),
        "other_official": create_user("other@example.az", roles=[("official", msl)]),
        "moderator": create_user("moderator@example.az", roles=[("moderator", gnc)]),
        "moderator_msl": create_user("moderator.msl@example.az", roles=[("moderator", msl)]),
        "editor": create_user("editor@example.az", roles=[("editor", gnc)]),
    }


def told(kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def recipients(kind: str) -> set[int]:
    return {n.user_id for n in told(kind)}


def test_a_filed_appeal_reaches_the_districts_officials_and_the_assignee(world):
    appeal = create_appeal(world["citizen"], world["gnc"], now=MONDAY)
    assert recipients("appeal.received") == {world["citizen"].id}
    # Work arriving: the district's official (the head hears of escalations, not of every new appeal).
    [arrived] = told("appeal.filed")
    assert arrived.user_id == world["official"].id
    assert (arrived.object_type, arrived.object_id, arrived.appeal_id) == ("appeal", appeal.id, appeal.id)
    assert arrived.link == f"/office/appeals/{appeal.id}" and appeal.number in arrived.text
    appeals.transition(world["official"], appeal.id, "registered", now=MONDAY)
    appeals.assign(world["official"], appeal.id, world["head"].id, now=MONDAY)
    [assigned] = told("appeal.assigned")
    assert assigned.user_id == world["head"].id and assigned.object_id == appeal.id
    # The applicant heard of each step: received, registered, in progress.
    assert [n.kind for n in db.session.scalars(select(Notification).where(
        Notification.user_id == world["citizen"].id).order_by(Notification.id))] == [
        "appeal.received", "appeal.status", "appeal.status"]


def test_a_district_without_officials_tells_its_head_of_a_new_appeal(world):
    create_appeal(world["citizen"], world["msl"], now=MONDAY)
    assert recipients("appeal.filed") == {world["other_official"].id}
    qba = db.session.scalar(select(District).where(District.code == "QBA"))
    lone_head = create_user("head.qba@example.az", roles=[("head", qba)])
    create_appeal(world["citizen"], qba, now=MONDAY)
    assert recipients("appeal.filed") == {world["other_official"].id, lone_head.id}


def test_one_working_day_left_is_told_once_per_deadline_then_overdue(world):
    appeal = create_appeal(world["citizen"], world["gnc"], now=MONDAY)
    appeals.transition(world["official"], appeal.id, "registered", now=MONDAY)
    appeals.transition(world["official"], appeal.id, "in_progress", now=MONDAY)  # the official is the assignee
    assert local_date(appeal.due_at).isoformat() == "2026-04-15"
    assert appeals.warn_due_soon(now=datetime(2026, 4, 13, 10, tzinfo=BAKU)) == 0
    assert appeals.warn_due_soon(now=datetime(2026, 4, 14, 10, tzinfo=BAKU)) == 1
    assert appeals.warn_due_soon(now=datetime(2026, 4, 14, 10, 15, tzinfo=BAKU)) == 0
    assert appeals.warn_due_soon(now=datetime(2026, 4, 15, 9, tzinfo=BAKU)) == 0
    [warning] = told("appeal.due_soon")
    assert warning.user_id == world["official"].id and appeal.number in warning.text
    # An extended deadline is a new deadline: warned of again on its last day.
    appeals.extend(world["head"], appeal.id, 1, "Əlavə yoxlama lazımdır", now=datetime(2026, 4, 15, 9, tzinfo=BAKU))
    assert appeals.warn_due_soon(now=datetime(2026, 4, 16, 8, tzinfo=BAKU)) == 1
    assert len(told("appeal.due_soon")) == 2
    assert appeals.escalate_overdue(now=datetime(2026, 4, 17, 10, tzinfo=BAKU)) == 1
    assert recipients("appeal.overdue") == {world["official"].id, world["head"].id}
    assert appeals.warn_due_soon(now=datetime(2026, 4, 17, 10, 15, tzinfo=BAKU)) == 0


def test_an_application_waiting_reaches_the_districts_officials(world):
    service = create_service([world["gnc"]])
    application = eservices.apply(world["citizen"], application_input(service, world["gnc"]), now=MONDAY)
    assert recipients("application.received") == {world["citizen"].id}
    [waiting] = told("application.waiting")
    assert waiting.user_id == world["official"].id and waiting.link == f"/office/services/{application.id}"
    eservices.transition(world["official"], application.id, "in_review", now=MONDAY)
    eservices.transition(world["official"], application.id, "documents_requested",
                         eservices.StepData(note="Doğum haqqında şəhadətnamə"), now=MONDAY)
    assert recipients("application.documents_requested") == {world["citizen"].id}
    eservices.transition(world["citizen"], application.id, "resubmitted",
                         eservices.StepData(note="Əlavə etdim", uploads={"passport": [Upload("p2.pdf", PDF)]}),
                         now=MONDAY)
    assert len(told("application.waiting")) == 2


def test_a_proposed_poll_topic_reaches_the_districts_moderator(world):
    topic = polls.propose(world["citizen"], polls.TopicInput(
        district_id=world["gnc"].id, direction="public_spaces", kind="single", question="Mərkəzi parkda nə tikilsin?",
        description="", options=["Uşaq meydançası", "Fəvvarə"]))
    [arrived] = told("poll_topic.proposed")
    assert arrived.user_id == world["moderator"].id
    assert (arrived.object_type, arrived.object_id) == ("poll_topic", topic.id)
    assert arrived.link == f"/office/polls/topics/{topic.id}"
    polls.reject(world["moderator"], topic.id, "Artıq həll olunub.")
    assert recipients("poll_topic.decided") == {world["citizen"].id}


def test_a_reported_comment_reaches_the_moderators_of_its_district(world):
    consultation = make_consultation(world["editor"], world["gnc"])
    neighbour = create_user("neighbour@example.az")
    comment = consultations.comment(world["citizen"], consultation.id, consultation.sections[0].id, "Söyüş")
    consultations.report_comment(neighbour, comment.id, "Təhqiredici")
    [reported] = told("content.reported")
    assert reported.user_id == world["moderator"].id and reported.link == "/office/moderation"
    assert reported.object_type == "report"
    # The author's reply notification is a kind of its own.
    consultations.comment(neighbour, consultation.id, None, "Razı deyiləm", parent_id=comment.id)
    assert recipients("comment.replied") == {world["citizen"].id}


def test_an_article_sent_for_review_reaches_the_editors_who_may_publish_it(world):
    article = create_article(world["official"], world["gnc"], status="draft", title="Yeni park")
    news.transition(world["official"], article.id, "review")
    [review] = told("article.review")
    assert review.user_id == world["editor"].id and review.link == f"/office/news/{article.id}"
    assert "Yeni park" in review.text
    assert world["official"].id not in recipients("article.review")
