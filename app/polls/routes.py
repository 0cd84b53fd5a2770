"""Polls: the public list and poll pages (voting, results), the resident's cabinet pages, the moderators' office.

Addresses (this blueprint has no common prefix):
``/polls/`` and ``/polls/<id>`` public; ``/cabinet/polls`` (my votes) and
``/cabinet/poll-topics`` (my topics) for residents; ``/office/polls`` and below
for moderators (their district) and administrators (national polls). Another
district's topic or poll is a 404 in the office.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accountability import charts
from app.authz import can, public, requires
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotAllowed
from app.kit.filters import choice, district_filter
from app.kit.forms import ButtonForm, int_or_none
from app.kit.i18n import current_lang, tr
from app.kit.pagecache import cached_page
from app.kit.paging import page_number
from app.kit.reference import active_districts
from app.kit.steps import form_page, form_status, run_step
from app.models import DIRECTIONS, utcnow
from app.polls import bp
from app.polls import service as polls
from app.polls.forms import (
    ApprovePollForm,
    PollForm,
    ReasonForm,
    TopicForm,
    fill_poll_choices,
    fill_topic_choices,
    lines,
    parse_local,
    to_local,
    vote_form,
)


@bp.record_once
def _template_globals(state) -> None:
    """Labels for the poll templates (macros see globals, not the page's context)."""
    state.app.jinja_env.globals.update(
        POLL_DIRECTION_LABELS=polls.DIRECTION_LABELS, POLL_KIND_LABELS=polls.KIND_LABELS,
        POLL_STATE_LABELS=polls.STATE_LABELS, POLL_VISIBILITY_LABELS=polls.VISIBILITY_LABELS,
        POLL_TOPIC_STATUS_LABELS=polls.TOPIC_STATUS_LABELS,
    )


# --- Public pages ------------------------------------------------------------------------------------


@bp.get("/polls/")
@cached_page("district", "state", "direction", "page")
@public
def index():
    """Polls with filters: district (its polls and national ones, or national only), state, direction; paged."""
    where = district_filter(request.args)
    state = choice(request.args, "state", polls.STATES)
    direction = choice(request.args, "direction", DIRECTIONS)
    page = polls.public_list(where.district, state, direction, page_number(request.args.get("page")),
                             national=where.national)
    args = {k: v for k, v in {"district": where.code, "state": state,
                              "direction": direction}.items() if v}
    return render_template("polls/index.html", page=page, districts=active_districts(), args=args,
                           district_code=args.get("district", ""), state=state, direction=direction)


def results_chart(poll, result, lang: str):
    """The results as horizontal bars; the same numbers are in the table beside it."""
    return charts.hbars(
        f"poll-{poll.id}-results", _("Results: %(question)s", question=poll.question_in(lang)),
        _("Bar chart of the votes for each answer; the same numbers are in the table beside it."),
        [r.option.label_in(lang) for r in result.options], [r.votes for r in result.options])


def _render_poll(poll_id: int, form=None, status: int = 200):
    poll = polls.public_poll(poll_id)
    now, lang = utcnow(), current_lang()
    mine = polls.has_voted(current_user, poll.id)
    problem = None
    if current_user.is_authenticated and mine is None:
        problem = polls.eligibility_problem(current_user, poll, now)
    participants = polls.participants(poll.id)
    result = polls.results(poll) if polls.results_visible(poll, now, participants) else None
    return render_template(
        "polls/poll.html", poll=poll, state=poll.state(now), mine=mine, problem=problem,
        form=form or vote_form(poll, lang), result=result, participants=participants,
        chart=results_chart(poll, result, lang) if result else None,
        may_vote=can(current_user, "poll.vote"), min_participants=polls.MIN_PARTICIPANTS,
    ), status


@bp.get("/polls/<int:poll_id>")
@cached_page()
@public
def poll(poll_id: int):
    """One poll: question, answers, times; the ballot for residents who may vote; the results when its rule allows."""
    return _render_poll(poll_id)


@bp.post("/polls/<int:poll_id>/vote")
@requires("cabinet.view")
def vote(poll_id: int):
    """Cast the ballot (one per resident; secret: the choice is never stored with the voter).

    Any signed-in user may send it: the service's participation guard says why an unconfirmed or blocked
    resident may not, beside the form."""
    poll = polls.public_poll(poll_id)
    form = vote_form(poll, current_lang(), formdata=request.form)
    done = url_for("polls.poll", poll_id=poll_id) + "#results-title"
    return run_step(form, lambda: polls.vote(current_user, poll_id, form.chosen),
                    _("Thank you: your vote is counted. Nobody, not even the authority, can see what you chose."),
                    done, lambda: _render_poll(poll_id, form, 422))


# --- The resident's cabinet ------------------------------------------------------------------------


@bp.get("/cabinet/polls")
@requires("cabinet.view")
def my_votes():
    """The polls I took part in and on which day; what I chose is not stored with my name, so it is not shown."""
    return render_template("polls/cabinet/my_votes.html", votes=polls.my_votes(current_user), now=utcnow())


@bp.get("/cabinet/poll-topics")
@requires("cabinet.view")
def my_topics():
    """The poll topics I proposed and where each stands."""
    return render_template("polls/cabinet/my_topics.html", topics=polls.my_topics(current_user))


def _topic_form(formdata=None, obj=None) -> TopicForm:
    form = TopicForm(formdata=formdata) if formdata is not None else TopicForm()
    fill_topic_choices(form, active_districts(), tr, polls.DIRECTION_LABELS, polls.KIND_LABELS)
    if obj is not None and formdata is None:
        form.district_id.data, form.direction.data, form.kind.data = obj.district_id, obj.direction, obj.kind
        form.question.data, form.description.data = obj.question, obj.description or ""
        form.options.data = "\n".join(obj.options)
    return form


def _topic_input(form: TopicForm, district_id=None) -> polls.TopicInput:
    return polls.TopicInput(district_id=district_id if district_id is not None else form.district_id.data,
                            direction=form.direction.data or "", kind=form.kind.data or "",
                            question=form.question.data or "", description=form.description.data or "",
                            options=lines(form.options.data))


@bp.route("/cabinet/poll-topics/new", methods=["GET", "POST"])
@requires("cabinet.view")
def propose():
    """Propose a poll to a district authority: direction, question, answers (the participation guard refuses an
    unconfirmed or blocked resident with the reason)."""
    form = _topic_form(request.form if request.method == "POST" else None)
    if request.method == "GET" and current_user.district_id:
        form.district_id.data = current_user.district_id
    if form.validate_on_submit():
        try:
            topic = polls.propose(current_user, _topic_input(form))
        except NotAllowed:
            abort(403)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your topic is sent to the district's moderator; you will be told of the decision."), "success")
            return redirect(url_for("polls.my_topic", topic_id=topic.id))
    return form_page("polls/cabinet/propose.html", form=form)


@bp.route("/cabinet/poll-topics/<int:topic_id>", methods=["GET", "POST"])
@requires("cabinet.view")
def my_topic(topic_id: int):
    """One of my topics: where it stands, the moderator's words; changed and sent again when asked."""
    topic = polls.my_topic(current_user, topic_id)
    form = _topic_form(request.form if request.method == "POST" else None, obj=topic)
    if request.method == "POST":
        return run_step(form, lambda: polls.resubmit(current_user, topic_id, _topic_input(form, topic.district_id)),
                        _("Your changed topic is sent to the moderator again."),
                        url_for("polls.my_topic", topic_id=topic_id),
                        lambda: (render_template("polls/cabinet/my_topic.html", topic=topic, form=form), 422))
    return render_template("polls/cabinet/my_topic.html", topic=topic, form=form)


# --- The moderators' office ------------------------------------------------------------------------


def _scope():
    """The district (or national, None) the office page is about, from ``?district=`` or ``?national=1``."""
    return polls.office_scope(current_user, int_or_none(request.args.get("district")),
                              national=request.args.get("national") == "1")


@bp.get("/office/polls")
@requires("poll.moderate")
def office():
    """The moderator's queue: topics waiting for a decision, then the district's polls; national ones for admins."""
    district = _scope()
    topics, summaries = polls.office_lists(current_user, district)
    return render_template("polls/office/office.html", district=district, topics=topics, polls_=summaries,
                           districts=polls.moderated_districts(current_user),
                           national_too="admin" in current_user.role_names)


def _poll_input(form: PollForm) -> polls.PollInput:
    return polls.PollInput(
        open_now=isinstance(form, ApprovePollForm) and form.open_now,
        direction=form.direction.data or "", kind=form.kind.data or "",
        results_visibility=form.results_visibility.data or "",
        question_az=form.question_az.data or "", question_ru=form.question_ru.data or "",
        question_en=form.question_en.data or "", description_az=form.description_az.data or "",
        description_ru=form.description_ru.data or "", description_en=form.description_en.data or "",
        options_az=lines(form.options_az.data), options_ru=lines(form.options_ru.data),
        options_en=lines(form.options_en.data),
        opens_at=parse_local(form.opens_at.data), closes_at=parse_local(form.closes_at.data))


def _poll_form(prefix: str = "", formdata=None, form_class: type[PollForm] = PollForm) -> PollForm:
    form = form_class(formdata=formdata, prefix=prefix) if formdata is not None else form_class(prefix=prefix)
    fill_poll_choices(form, polls.DIRECTION_LABELS, polls.KIND_LABELS, polls.VISIBILITY_LABELS)
    return form


def _default_times(form: PollForm) -> None:
    """Tomorrow at 09:00 Baku time until two weeks later at 18:00: a sensible start for the moderator."""
    tomorrow = (utcnow().astimezone(BAKU) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    form.opens_at.data = to_local(tomorrow)
    form.closes_at.data = to_local((tomorrow + timedelta(days=14)).replace(hour=18))


@bp.route("/office/polls/new", methods=["GET", "POST"])
@requires("poll.moderate")
def new_poll():
    """Write a poll of the district (a moderator) or a national one (an administrator, ``?national=1``)."""
    district = _scope()
    form = _poll_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        _default_times(form)
    if form.validate_on_submit():
        try:
            created = polls.create_poll(current_user, district.id if district else None, _poll_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The poll is saved; residents can vote from its opening time."), "success")
            return redirect(url_for("polls.poll", poll_id=created.id))
    return render_template("polls/office/poll_form.html", form=form, district=district, poll=None), \
        form_status()


@bp.route("/office/polls/<int:poll_id>/edit", methods=["GET", "POST"])
@requires("poll.moderate")
def edit_poll(poll_id: int):
    """Change a poll before it opens."""
    existing = polls.moderated_poll(current_user, poll_id)
    form = _poll_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        for name in ("direction", "kind", "results_visibility", "question_az", "question_ru", "question_en",
                     "description_az", "description_ru", "description_en"):
            getattr(form, name).data = getattr(existing, name) or ""
        for lang in ("az", "ru", "en"):
            getattr(form, f"options_{lang}").data = "\n".join(
                getattr(o, f"label_{lang}") or "" for o in existing.options) if any(
                getattr(o, f"label_{lang}") for o in existing.options) else ""
        form.opens_at.data, form.closes_at.data = to_local(existing.opens_at), to_local(existing.closes_at)
    if form.validate_on_submit():
        try:
            polls.update_poll(current_user, poll_id, _poll_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The poll is saved."), "success")
            return redirect(url_for("polls.poll", poll_id=poll_id))
    return render_template("polls/office/poll_form.html", form=form, district=existing.district, poll=existing), \
        form_status()


@bp.post("/office/polls/<int:poll_id>/close")
@requires("poll.moderate")
def close_poll(poll_id: int):
    """Close an open poll now; its results become public."""
    existing = polls.moderated_poll(current_user, poll_id)
    if not ButtonForm(prefix="close").validate_on_submit():
        abort(400)
    try:
        polls.close_poll(current_user, poll_id)
    except Invalid as error:
        flash(" ".join(str(m) for m in error.errors.values()), "error")
    else:
        flash(_("The poll is closed; its results are public."), "success")
    args = {"district": existing.district_id} if existing.district_id else {"national": "1"}
    return redirect(url_for("polls.office", **args))


def _render_topic(topic_id: int, status: int = 200, **forms):
    topic = polls.moderated_topic(current_user, topic_id)
    approve_form = forms.get("approve_form")
    if approve_form is None:
        approve_form = _poll_form("poll", form_class=ApprovePollForm)
        approve_form.direction.data, approve_form.kind.data = topic.direction, topic.kind
        approve_form.question_az.data, approve_form.description_az.data = topic.question, topic.description or ""
        approve_form.options_az.data = "\n".join(topic.options)
        _default_times(approve_form)
    return render_template(
        "polls/office/topic.html", topic=topic, approve_form=approve_form,
        changes_form=forms.get("changes_form") or ReasonForm(prefix="changes"),
        reject_form=forms.get("reject_form") or ReasonForm(prefix="reject"),
    ), status


@bp.get("/office/polls/topics/<int:topic_id>")
@requires("poll.moderate")
def topic(topic_id: int):
    """A resident's topic: approve it as a poll (times, translations), ask for changes, or reject it."""
    return _render_topic(topic_id)


def _decide(topic_id: int, form, name: str, action, success: str):
    polls.moderated_topic(current_user, topic_id)
    return run_step(form, action, success, url_for("polls.topic", topic_id=topic_id),
                    lambda: _render_topic(topic_id, 422, **{name: form}))


@bp.post("/office/polls/topics/<int:topic_id>/approve")
@requires("poll.moderate")
def approve(topic_id: int):
    """Approve the topic: it becomes a poll; the resident is told."""
    form = _poll_form("poll", request.form, ApprovePollForm)
    return _decide(topic_id, form, "approve_form", lambda: polls.approve(current_user, topic_id, _poll_input(form)),
                   _("The topic is approved and the poll is created; the resident is told."))


@bp.post("/office/polls/topics/<int:topic_id>/changes")
@requires("poll.moderate")
def ask_changes(topic_id: int):
    """Send the topic back to the resident with what to change."""
    form = ReasonForm(prefix="changes")
    return _decide(topic_id, form, "changes_form",
                   lambda: polls.ask_changes(current_user, topic_id, form.reason.data or ""),
                   _("The resident is asked to change the topic."))


@bp.post("/office/polls/topics/<int:topic_id>/reject")
@requires("poll.moderate")
def reject(topic_id: int):
    """Reject the topic with a reason the resident is told."""
    form = ReasonForm(prefix="reject")
    return _decide(topic_id, form, "reject_form", lambda: polls.reject(current_user, topic_id, form.reason.data or ""),
                   _("The topic is rejected; the resident is told why."))
