"""Public news pages.

``/news`` every published article (national and every district's), ``/news/<code>`` one district's,
both filtered by ``?kind=`` and ``?tag=`` and paginated; ``/news/article/<id>`` one article with related
ones; ``/news/events`` the events calendar by month, each event as ``.ics``; ``/news/images/…`` covers.
The lists and the article page are served from ``news_cache``.
"""
from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from app.authz import public
from app.kit import files
from app.kit.calendar import local_date
from app.kit.i18n import current_lang, fmt_month
from app.kit.pagecache import cached_page
from app.kit.paging import page_number
from app.kit.reference import active_districts
from app.kit.reference import by_code as district_by_code
from app.models import utcnow
from app.news import bp
from app.news import service as news


def _district_or_404(code: str):
    # A district code is three letters; anything else (a NUL byte, a long string) is no district.
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        abort(404)
    return district_by_code(code)


def _render_list(district):
    lang = current_lang()
    page = page_number(request.args.get("page"))
    result = news.public_list(lang, district, request.args.get("kind", ""), request.args.get("tag", ""), page)
    # A page past the last one is no page (an empty first page is simply an empty list).
    if page > 1 and not result.page.items:
        abort(404)
    return render_template("news/list.html", district=district, result=result, tags=news.tags(),
                           districts=active_districts())


@bp.get("/")
@cached_page("kind", "tag", "page")
@public
def index():
    """Every published article, national and of every district, newest first."""
    return _render_list(None)


@bp.get("/<code>")
@cached_page("kind", "tag", "page")
@public
def district(code: str):
    """One district's published articles, newest first."""
    return _render_list(_district_or_404(code))


@bp.get("/article/<int:article_id>")
@cached_page()
@public
def article(article_id: int):
    """One published article in the visitor's language (Azerbaijani with a notice when missing), related articles."""
    item = news.public_article(current_lang(), article_id)
    return render_template("news/article.html", item=item, preview=False)


@bp.get("/article/<int:article_id>/event.ics")
@public
def event_ics(article_id: int):
    """A published event as a calendar file."""
    event = news.public_event(article_id)
    body = news.ics(event, current_lang(), url_for("news.article", article_id=event.id, _external=True))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})


@bp.get("/events")
@cached_page("month", "district")
@public
def events():
    """The events calendar: a month's published events by day; ``?month=YYYY-MM``, ``?district=CODE``."""
    today = local_date(utcnow())
    year, month = news.parse_month(request.args.get("month"), today)
    code = (request.args.get("district") or "").strip()
    district = _district_or_404(code) if code else None
    items = news.events_in_month(current_lang(), year, month, district)
    days: dict = {}
    for item in items:
        days.setdefault(local_date(max(item["starts_at"], news.month_bounds(year, month)[0])), []).append(item)
    return render_template("news/events.html", year=year, month=month, days=days, district=district,
                           month_label=fmt_month(date(year, month, 1)),
                           districts=active_districts(), prev=news.shift_month(year, month, -1),
                           next=news.shift_month(year, month, 1))


@bp.get("/images/<int:image_id>/<int:width>.jpg")
@public
def image(image_id: int, width: int):
    """One width of a cover picture: public once an article showing it is published, else only to its writers."""
    stored_name, shown = news.image_for(current_user, image_id, width)
    # Public caching only for a cover anyone may see; a draft's is private (files.stream's default).
    return files.stream(stored_name, "image/jpeg", public_max_age=86400 if shown else None)
