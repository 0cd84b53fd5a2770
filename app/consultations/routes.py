"""Public consultation pages and what residents do there.

``/`` the list (filters: district, state; paginated), ``/<id>`` a consultation (document, comments, questions,
results, the outcome beside the final text), ``POST /<id>/comment`` and ``/<id>/answers``, and
``/comments/<id>/report``. Residents' steps need a signed-in user; the service says why anything else is refused
(an unconfirmed email, a block, the period, the text) and nothing is stored.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accountability import charts
from app.authz import public, requires
from app.consultations import bp
from app.consultations import service as consultations
from app.consultations.forms import CommentForm, ReportForm
from app.extensions import db
from app.kit import participation
from app.kit.errors import Invalid, NotAllowed
from app.kit.filters import choice, district_filter
from app.kit.forms import BaseForm, TokenForm, int_or_none
from app.kit.i18n import current_lang
from app.kit.pagecache import cached_page
from app.kit.paging import page_number
from app.kit.reference import active_districts
from app.models import ConsultationComment


@bp.record_once
def _template_globals(state) -> None:
    """The state labels and the author label for the templates' macros."""
    state.app.jinja_env.globals["CONSULTATION_STATES"] = consultations.STATE_LABELS
    state.app.jinja_env.globals["comment_author"] = consultations.author_label


@bp.get("/")
@cached_page("district", "state", "page")
@public
def index():
    """Published consultations, filtered by district (or national ones) and state, ten a page."""
    where = district_filter(request.args)
    state = choice(request.args, "state", consultations.PUBLIC_STATES)
    page = consultations.public_list(where.district, state, page_number(request.args.get("page")),
                                     national=where.national)
    return render_template("consultations/index.html", page=page, districts=active_districts(),
                           district=where.district, code=where.code, state=state)


def _charts(view) -> list:
    """One bar chart per question: the share of residents who chose each answer."""
    drawn = []
    for i, result in enumerate(view.results):
        lang = current_lang()
        drawn.append(charts.hbars(f"question-{i + 1}-chart", result.question.text_in("text", lang),
                                  _("How many residents chose each answer; the same numbers are in the table below."),
                                  [o.option.label_in(lang) for o in result.options],
                                  [o.count for o in result.options]))
    return drawn


def render_view(consultation_id: int, *, comment_form: CommentForm | None = None, answer_errors: dict | None = None,
                answer_form: BaseForm | None = None, status: int = 200):
    """The consultation's page; after a refused step, the posted form with its errors (status 422)."""
    view = consultations.public_view(current_user, consultation_id)
    posted_id = None
    if comment_form is not None:
        posted_id = (f"body-r{comment_form.parent_id.data}" if comment_form.parent_id.data
                     else f"body-s{comment_form.section_id.data}")
    block = participation.active_block(current_user) if current_user.is_authenticated else None
    return render_template(
        "consultations/view.html", view=view, c=view.consultation, comment_form=comment_form, posted_id=posted_id,
        block=block,
        answer_form=answer_form or BaseForm(prefix="answers"), answer_errors=answer_errors or {},
        action_form=TokenForm(), report_form=ReportForm(prefix="report"), charts=_charts(view),
        posted_choices={k: int_or_none(v) for k, v in request.form.items() if k.startswith("q")}), status


@bp.get("/<int:consultation_id>")
@cached_page()
@public
def view(consultation_id: int):
    """A consultation: its document by sections with their comments, the questions, the results, the outcome."""
    return render_view(consultation_id)


@bp.post("/<int:consultation_id>/comment")
@requires("participation.take_part")
def comment(consultation_id: int):
    """A resident comments on a section or replies to a comment."""
    form = CommentForm()
    if form.validate_on_submit():
        try:
            entry = consultations.comment(current_user, consultation_id, form.section_id.data, form.body.data or "",
                                          form.parent_id.data)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("Your comment is published."), "success")
            return redirect(consultations.comment_url(entry))
    return render_view(consultation_id, comment_form=form, status=422)


@bp.post("/<int:consultation_id>/answers")
@requires("participation.take_part")
def answers(consultation_id: int):
    """A resident answers the question set (once)."""
    form = BaseForm(prefix="answers")
    errors: dict = {}
    if form.validate_on_submit():
        choices = {}
        for key, value in request.form.items():
            question_id = int_or_none(key[1:]) if key.startswith("q") else None
            if question_id is not None and question_id > 0:
                choices[question_id] = int_or_none(value)
        try:
            consultations.answer(current_user, consultation_id, choices)
        except Invalid as error:
            errors = {k: v for k, v in error.errors.items() if k}
            form.form_errors.extend(str(v) for k, v in error.errors.items() if k is None)
        else:
            flash(_("Thank you: your answers are counted."), "success")
            return redirect(url_for("consultations.view", consultation_id=consultation_id) + "#questions-title")
    return render_view(consultation_id, answer_form=form, answer_errors=errors, status=422)


def _comment_or_404(comment_id: int) -> ConsultationComment:
    entry = db.session.get(ConsultationComment, comment_id)
    if entry is None or entry.consultation.status != "published":
        abort(404)
    return entry


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@requires("participation.take_part")
def report(comment_id: int):
    """Report a comment to the moderators, with a reason."""
    entry = _comment_or_404(comment_id)
    form = ReportForm(prefix="report")
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                consultations.report_comment(current_user, comment_id, form.reason.data or "")
            except NotAllowed:  # (NotFound reaches the 404 page by itself)
                abort(404)
            except Invalid as error:
                form.apply(error)
            else:
                flash(_("Thank you: a moderator will look at this comment."), "success")
                return redirect(consultations.comment_url(entry))
    return render_template("consultations/report.html", entry=entry, form=form), status
