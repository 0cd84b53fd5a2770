"""Feeds, sitemap, search and subscriptions of the news; every page public.

- ``/news/feed/<lang>.atom`` (the whole country) and ``/news/<code>/feed/<lang>.atom`` (one district)
- ``/sitemap.xml`` (an index) → ``/sitemap-pages.xml`` and ``/sitemap-news-<n>.xml``
- ``/news/search?q=…&district=…`` in the visitor's language
- ``/news/<code>/subscribe`` (the form), ``/news/subscription/confirm/<token>``,
  ``/news/unsubscribe/<token>`` (no sign-in: the signed link is the proof)
"""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import public
from app.extensions import csrf, limiter
from app.kit.errors import Invalid
from app.kit.i18n import LANGUAGE_NAMES, current_lang, tr
from app.kit.pagecache import cached_page
from app.kit.paging import page_number
from app.kit.reference import active_districts
from app.kit.reference import by_code as district_by_code
from app.kit.steps import form_status
from app.models import LANGUAGES
from app.news import feeds as news_feeds
from app.news import feeds_bp
from app.news import search as news_search
from app.news import subscriptions as news_subscriptions
from app.news.subscription_forms import SearchForm, SubscribeForm, UnsubscribeForm

FEED_MAX_AGE = 300


@feeds_bp.record_once
def _template_globals(state) -> None:
    """A language's name in itself, for the subscription pages; the subscription form for the newsroom's pages."""
    state.app.jinja_env.globals["language_name"] = LANGUAGE_NAMES.get
    state.app.jinja_env.globals["news_subscribe_form"] = subscribe_form


def _district_or_404(code: str):
    return district_by_code(code)


def _xml(body: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    # The same for everyone: shared caches and feed readers may keep it a few minutes.
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    return response


# --- Atom feeds ----------------------------------------------------------------------------------------


def _feed(lang: str, district):
    if lang not in LANGUAGES:
        abort(404)
    articles = news_feeds.feed_articles(district)
    # The feed speaks its own language, whatever the reader's session says.
    with force_locale(lang):
        body = render_template("news/feeds/feed.xml", articles=articles, district=district, feed_lang=lang,
                               updated=news_feeds.feed_updated(articles))
    return _xml(body, "application/atom+xml")


@feeds_bp.get("/news/feed/<lang>.atom")
@cached_page()
@public
def national_feed(lang: str):
    """The newest articles of the whole country in ``lang`` (Atom)."""
    return _feed(lang, None)


@feeds_bp.get("/news/<code>/feed/<lang>.atom")
@cached_page()
@public
def district_feed(code: str, lang: str):
    """The newest articles of one district in ``lang`` (Atom)."""
    return _feed(lang, _district_or_404(code))


# --- Sitemap -----------------------------------------------------------------------------------------------


@feeds_bp.get("/sitemap.xml")
@cached_page()
@public
def sitemap():
    """The sitemap index: the public pages' sitemap and the articles' sitemaps."""
    locations = [url_for("newsfeeds.sitemap_pages", _external=True)] + [
        url_for("newsfeeds.sitemap_news", number=n, _external=True)
        for n in range(1, news_feeds.article_sitemap_count() + 1)]
    return _xml(news_feeds.sitemap_index(locations), "application/xml")


@feeds_bp.get("/sitemap-pages.xml")
@cached_page()
@public
def sitemap_pages():
    """Every public page but the articles, in each language with its alternates."""
    return _xml(news_feeds.urlset(news_feeds.public_pages()), "application/xml")


@feeds_bp.get("/sitemap-news-<int:number>.xml")
@cached_page()
@public
def sitemap_news(number: int):
    """One slice of the published articles, in each language they are written in."""
    if not 1 <= number <= news_feeds.article_sitemap_count():
        abort(404)
    return _xml(news_feeds.urlset(news_feeds.article_pages(number)), "application/xml")


# --- Search --------------------------------------------------------------------------------------------------


@feeds_bp.get("/news/search")
@public
def search():
    """Search the published news in the visitor's language; the words found are marked."""
    lang = current_lang()
    districts = active_districts()
    form = SearchForm(request.args)
    form.fill_choices(districts, tr)
    query = (request.args.get("q") or "").strip()
    code = request.args.get("district") or ""
    district = next((d for d in districts if d.code == code), None)
    if district is None:
        form.district.data = ""
    results, terms, status = None, [], 200
    if query:
        try:
            results = news_search.search(query, lang, page_number(request.args.get("page")),
                                         district.id if district else None)
            terms = news_search.terms_of(query)
        except Invalid as error:
            form.apply(error)
            status = 422
    args = {"q": query, **({"district": district.code} if district else {})}
    return render_template("news/feeds/search.html", form=form, results=results, terms=terms, query=query,
                           district=district, args=args), status


# --- Subscriptions -------------------------------------------------------------------------------------------


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def subscribe_form() -> SubscribeForm:
    """The form as the district's news page shows it: the signed-in resident's address and the page's language."""
    form = SubscribeForm(formdata=None)
    form.lang.data = current_lang()
    if current_user.is_authenticated:
        form.email.data = current_user.email
    return form


@feeds_bp.route("/news/<code>/subscribe", methods=["GET", "POST"])
@public
@limiter.limit(_auth_limit, methods=["POST"])
def subscribe(code: str):
    """Subscribe an email address to the district's news in a language (a confirmation link is emailed)."""
    district = _district_or_404(code)
    form = SubscribeForm() if request.method == "POST" else subscribe_form()
    if form.validate_on_submit():
        try:
            outcome = news_subscriptions.subscribe(current_user, form.email.data or "", district.id,
                                                   form.lang.data or "")
        except Invalid as error:
            form.apply(error)
        else:
            if outcome == "active":
                flash(_("You are subscribed: the news of %(district)s will come to %(email)s once a week.",
                        district=tr(district), email=form.email.data), "success")
            else:
                flash(_("We have sent a link to %(email)s. The subscription starts when you open it.",
                        email=form.email.data), "success")
            return redirect(url_for("news.district", code=district.code))
    return render_template("news/feeds/subscribe.html", form=form, district=district), \
        form_status()


@feeds_bp.get("/news/subscription/confirm/<token>")
@public
def confirm(token: str):
    """The link of the confirmation email: the subscription starts."""
    try:
        subscription = news_subscriptions.confirm(token)
    except Invalid as error:
        return render_template("news/feeds/link_invalid.html", message=error.errors[None]), 400
    return render_template("news/feeds/confirmed.html", subscription=subscription)


def _masked(email: str) -> str:
    """``a•••@example.az``: enough for the owner to recognise, little for anyone the link reached by mistake."""
    name, _at, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


@feeds_bp.route("/news/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    """Stop one subscription without signing in.

    GET asks (mail scanners open links, and must not unsubscribe anyone); POST from the page, or the
    mail program's one-click POST (RFC 8058 ``List-Unsubscribe=One-Click``), ends it. The signed token in
    the address is the proof, so no CSRF token is needed (the page's form sends one all the same).
    """
    if request.method == "POST":
        try:
            subscription = news_subscriptions.unsubscribe(token)
        except Invalid as error:
            return render_template("news/feeds/link_invalid.html", message=error.errors[None]), 400
        return render_template("news/feeds/unsubscribed.html", subscription=subscription)
    try:
        subscription = news_subscriptions.for_unsubscribe(token)
    except Invalid as error:
        return render_template("news/feeds/link_invalid.html", message=error.errors[None]), 400
    return render_template("news/feeds/unsubscribe.html", subscription=subscription, form=UnsubscribeForm(),
                           email=_masked(subscription.email))
