"""The newsroom in the official cabinet (/office/news): write, review, schedule, publish, archive.

Writers of a district (editors, head, officials) write and send for review; its
editors schedule, publish and archive; administrators do both for national
articles. Another district's article is a 404.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.authz import requires
from app.kit.errors import Invalid, NotAllowed
from app.kit.filters import choice
from app.kit.i18n import current_lang, fmt_datetime, tr
from app.kit.paging import page_number
from app.kit.steps import form_status
from app.news import office_bp
from app.news import service as news
from app.news.forms import ArticleForm, ScheduleForm, StepForm, parse_local

STEP_MESSAGES = {
    "review": _l("The article is sent for review."),
    "draft": _l("The article is a draft again."),
    "published": _l("The article is published."),
    "archived": _l("The article is archived: it no longer appears in the lists."),
}


@office_bp.get("/")
@requires("news.write")
def index():
    """The articles of a district the writer writes for (or the national ones), most recently changed first."""
    scope = news.office_scope(current_user, request.args.get("scope"))
    status = choice(request.args, "status", news.STATUS_LABELS)
    page = news.office_list(current_user, scope, status, page_number(request.args.get("page")))
    return render_template("news/office/list.html", scope=scope, page=page, status=status,
                           counts=news.office_status_counts(scope), districts=news.writer_districts(current_user),
                           national=news.writes_national(current_user))


def _article_form(selected: str | None = None) -> ArticleForm:
    form = ArticleForm()
    form.fill_choices(news.writer_districts(current_user), news.writes_national(current_user), news.tags(), tr,
                      current_lang())
    if selected is not None and request.method == "GET":
        form.district.data = selected
    return form


@office_bp.route("/new", methods=["GET", "POST"])
@requires("news.write")
def new():
    """Write a new article: texts in az (ru, en optional), a cover, tags, and for an event its time and place."""
    scope = news.office_scope(current_user, request.args.get("scope"))
    form = _article_form("national" if scope.national else str(scope.district.id))
    if form.validate_on_submit():
        try:
            article = news.save(current_user, None, form.to_input(), request.files.get(form.cover.name))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The draft is saved. Preview it, then send it for review or publish it."), "success")
            return redirect(url_for("news_office.work", article_id=article.id))
    return render_template("news/office/form.html", form=form, article=None, scope=scope), \
        form_status()


@office_bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@requires("news.write")
def edit(article_id: int):
    """Change an article; every save is kept as a version."""
    article = news.editable(current_user, article_id)
    form = _article_form("national" if article.district_id is None else str(article.district_id))
    if request.method == "GET":
        form.fill_from(article)
    if form.validate_on_submit():
        try:
            news.save(current_user, article_id, form.to_input(), request.files.get(form.cover.name))
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The article is saved."), "success")
            return redirect(url_for("news_office.work", article_id=article_id))
    return render_template("news/office/form.html", form=form, article=article, scope=None), \
        form_status()


def _render_work(article_id: int, status: int = 200, schedule_form: ScheduleForm | None = None,
                 step_form: StepForm | None = None):
    article = news.editable(current_user, article_id)
    steps = [s for s in ("review", "draft", "published", "archived") if news.transition_allowed(current_user, article, s)]
    return render_template(
        "news/office/article.html", article=article, versions=news.versions(article), steps=steps,
        may_schedule=news.transition_allowed(current_user, article, "scheduled"),
        schedule_form=schedule_form or ScheduleForm(prefix="schedule"), step_form=step_form or StepForm(),
        describe_change=news.describe_change,
    ), status


@office_bp.get("/<int:article_id>")
@requires("news.write")
def work(article_id: int):
    """One article for its writers: its state, the publishing steps, every saved version."""
    return _render_work(article_id)


@office_bp.get("/<int:article_id>/preview")
@requires("news.write")
def preview(article_id: int):
    """The article as visitors will see it, in the current language, before it is published."""
    item = news.preview(current_user, article_id, current_lang())
    return render_template("news/article.html", item=item, preview=True)


@office_bp.post("/<int:article_id>/schedule")
@requires("news.write")
def schedule(article_id: int):
    """Schedule the article: it stays invisible until ``flask news publish-due`` publishes it at that time."""
    form = ScheduleForm(prefix="schedule")
    if form.validate_on_submit():
        try:
            article = news.transition(current_user, article_id, "scheduled", parse_local(form.publish_at.data))
        except NotAllowed:
            abort(404)
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The article is scheduled for %(when)s.", when=fmt_datetime(article.publish_at)), "success")
            return redirect(url_for("news_office.work", article_id=article_id))
    return _render_work(article_id, 422, schedule_form=form)


@office_bp.post("/<int:article_id>/step/<any(review, draft, published, archived):to_status>")
@requires("news.write")
def step(article_id: int, to_status: str):
    """Send for review, return to draft, publish now or archive."""
    form = StepForm()
    if form.validate_on_submit():
        try:
            news.transition(current_user, article_id, to_status)
        except NotAllowed:  # a step the writer may not take: no page (NotFound reaches the 404 page by itself)
            abort(404)
        except Invalid as error:
            form.apply(error)
        else:
            flash(str(STEP_MESSAGES[to_status]), "success")
            return redirect(url_for("news_office.work", article_id=article_id))
    else:
        abort(400)
    return _render_work(article_id, 422, step_form=form)
