"""The public pages of the area alerts; no sign-in needed for any of them.

- ``/alerts/`` (``?district=GNC``): subscribe an address (the form); rate limited
- ``/alerts/confirm/<token>``, ``/alerts/unsubscribe/<token>``: the emailed links (the signed token is the proof)
- ``/alerts/<code>.atom`` (``?category=<code>``): the district's newest public appeals and answers as an Atom feed
"""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.alerts import bp
from app.alerts import queries as alert_queries
from app.alerts import service as alerts
from app.alerts.forms import SubscribeForm, UnsubscribeForm
from app.authz import public
from app.extensions import csrf, limiter
from app.kit import mail
from app.kit.errors import Invalid
from app.kit.i18n import LANGUAGE_NAMES, current_lang, tr
from app.kit.pagecache import cached_page
from app.kit.reference import active_categories, active_districts, find_by_code
from app.kit.reference import by_code as district_by_code
from app.kit.steps import form_page

FEED_MAX_AGE = 300


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def subscribe_form(email: str = "", district_code: str = "", category_code: str = "") -> SubscribeForm:
    """The subscription form with its choices, as first shown (or as posted, on a POST)."""
    form = SubscribeForm() if request.method == "POST" else SubscribeForm(formdata=None)
    form.fill_choices(active_districts(), active_categories(), tr)
    if request.method != "POST":
        form.email.data = email
        form.district.data = district_code
        form.category.data = category_code
        form.frequency.data = "daily"
    return form


def subscribe_input(form: SubscribeForm) -> alerts.SubscribeInput:
    """What the form asks for, in the page's language."""
    return alerts.SubscribeInput(email=form.email.data or "", district_code=form.district.data or "",
                                 category_code=form.category.data or "", frequency=form.frequency.data or "",
                                 lang=current_lang())


def flash_outcome(outcome: str, email: str) -> None:
    """Say what happened; "sent" reads the same whether the address was subscribed already or not."""
    if outcome == "active":
        flash(_("Your alert is on: the appeals and answers will come to %(email)s.", email=email), "success")
    else:
        flash(_("We have sent an email to %(email)s. Open it to finish subscribing.", email=email), "success")


@bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit(_auth_limit, methods=["POST"])
def subscribe():
    """Subscribe an address to a district's new public appeals and answers (a confirmation link is emailed)."""
    district = find_by_code(request.args.get("district") or "")
    form = subscribe_form(current_user.email if current_user.is_authenticated else "",
                          district.code if district else "", request.args.get("category") or "")
    if form.validate_on_submit():
        try:
            outcome = alerts.subscribe(current_user, subscribe_input(form))
        except Invalid as error:
            form.apply(error)
        else:
            flash_outcome(outcome, form.email.data)
            return redirect(url_for("appeals.public_list", code=form.district.data.upper()))
    chosen = find_by_code(form.district.data or "") or district
    return form_page("alerts/subscribe.html", form=form, district=chosen, language=LANGUAGE_NAMES[current_lang()])


@bp.get("/confirm/<token>")
@public
def confirm(token: str):
    """The link of the confirmation email: the alerts start."""
    try:
        subscription = alerts.confirm(token)
    except Invalid as error:
        return render_template("alerts/link_invalid.html", message=error.errors[None]), 400
    return render_template("alerts/confirmed.html", subscription=subscription)


def _masked(email: str) -> str:
    """``a•••@example.az``: enough for the owner to recognise, little for anyone the link reached by mistake."""
    name, _at, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    """Stop one alert without signing in.

    GET asks (mail scanners open links and must not unsubscribe anyone); POST from the page, or the mail program's
    one-click POST (RFC 8058), ends it. The signed token in the address is the proof, so no CSRF token is needed
    (the page's form sends one all the same).
    """
    try:
        if request.method == "POST":
            return render_template("alerts/unsubscribed.html", subscription=alerts.unsubscribe(token))
        subscription = alerts.for_unsubscribe(token)
    except Invalid as error:
        return render_template("alerts/link_invalid.html", message=error.errors[None]), 400
    return render_template("alerts/unsubscribe.html", subscription=subscription, form=UnsubscribeForm(),
                           email=_masked(subscription.email))


@bp.get("/<code>.atom")
@cached_page("category")
@public
def feed(code: str):
    """The district's newest public appeals and answers (one category's with ``?category=``), as Atom, in the
    request's language; an unknown district or category is a 404."""
    district = district_by_code(code)
    category = alert_queries.category_by_code(request.args.get("category"))
    items = alert_queries.feed(district, category)
    lang = current_lang()
    # Its own address and the list's, on PUBLIC_URL like every link in it (a cached feed must not carry a forged
    # host).
    self_url = mail.link("alerts.feed", code=district.code, lang=lang,
                         **({"category": category.code} if category else {}))
    body = render_template("alerts/feed.xml", items=items, district=district, category=category, feed_lang=lang,
                           self_url=self_url, list_url=mail.link("appeals.public_list", code=district.code, lang=lang),
                           updated=alert_queries.feed_updated(items))
    response = Response(body, mimetype="application/atom+xml")
    # With ?lang= the feed is the same for everyone (shared caches may keep it); without, its language is the
    # visitor's own choice, for their reader only.
    scope = "public" if "lang" in request.args else "private"
    response.headers["Cache-Control"] = f"{scope}, max-age={FEED_MAX_AGE}"
    return response
