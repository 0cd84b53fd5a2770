"""Read queries of the home page: the live figures on the cards of what the portal offers.

The figures are public counts (never a person) read in one statement, and kept for a few minutes in the news
pages' cache (Redis in production, shared by every app server): the home page is the busiest page of the portal
and its statement budget is small (tests/test_pages.py), so most views read no figure from the database at all.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Commitment, Consultation, Poll, Proposal, ReceptionSession, Service, utcnow
from app.models.proposal import SUPPORTABLE_STATES
from app.news import cache

FIGURES_KEY = "home:figures"


def _count(model, *conditions):
    """``SELECT count(*) FROM model WHERE conditions`` as a scalar subquery."""
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


def live_figures(now: datetime | None = None) -> dict[str, int]:
    """What is live now, in one statement: open polls, proposals collecting support, consultations open for
    comment, coming reception days, e-services residents can apply for online, commitments in progress."""
    now = now or utcnow()
    row = db.session.execute(select(
        _count(Poll, Poll.opens_at <= now, Poll.closes_at > now).label("polls"),
        _count(Proposal, Proposal.state.in_(SUPPORTABLE_STATES), Proposal.support_until > now,
               Proposal.hidden_at.is_(None)).label("proposals"),
        _count(Consultation, and_(Consultation.status == "published", Consultation.outcome_published_at.is_(None),
                                  Consultation.opens_at <= now, Consultation.closes_at > now)).label("consultations"),
        _count(ReceptionSession, ReceptionSession.status == "scheduled",
               ReceptionSession.starts_at > now).label("receptions"),
        _count(Service, Service.active.is_(True), Service.online.is_(True)).label("eservices"),
        _count(Commitment, Commitment.status == "in_progress").label("commitments"),
    )).one()
    return dict(row._mapping)


def home_figures() -> dict[str, int]:
    """The live figures of the home page, from the cache when a recent count is there."""
    return cache.cached(FIGURES_KEY, live_figures)
