"""What the Atom feeds and the sitemap list: published articles and the portal's public pages.

Addresses carry the language as ``?lang=`` (app/i18n.py switches the session's language with it),
so each page has one address per language; the sitemap lists every one with its ``hreflang``
alternates. Large sites are split: ``/sitemap.xml`` is an index of ``/sitemap-pages.xml`` and of
``/sitemap-news-<n>.xml`` files of ``ARTICLES_PER_SITEMAP`` articles each (three addresses per
article stay well under the protocol's 50,000).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from app.extensions import db
from app.kit.reference import active_districts
from app.models import LANGUAGES, Article, ArticleText, Commitment, District, Service, utcnow

FEED_ENTRIES = 30
ARTICLES_PER_SITEMAP = 10_000

# Public pages without parameters, and public pages per active district (endpoint, the district's parameter).
# A module not installed (its endpoint does not build) is skipped, so the list may name pages still to come.
STATIC_PAGES = ["main.index", "main.about", "main.accessibility", "main.privacy", "news.index", "news.events",
                "appeals.public_index", "reception.index", "accountability.national", "commitments.index",
                "eservices.catalogue", "verify.index"]
DISTRICT_PAGES = ["news.district", "appeals.public_list", "reception.district", "accountability.district",
                  "commitments.district"]


def feed_articles(district: District | None, limit: int = FEED_ENTRIES) -> list[Article]:
    """The newest published articles of ``district`` (of the whole country when None), texts loaded."""
    query = select(Article).where(Article.public())
    if district is not None:
        query = query.where(Article.district_id == district.id)
    return list(db.session.scalars(
        query.options(selectinload(Article.texts), joinedload(Article.district))
        .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)).unique())


def feed_updated(articles: list[Article]) -> datetime:
    """The feed's ``updated``: its newest change, or now for an empty feed."""
    return max((a.updated_at for a in articles), default=None) or utcnow()


# --- Sitemap ---------------------------------------------------------------------------------------------


@dataclass
class SitemapPage:
    """One page: its endpoint and parameters, the languages it is written in, and when it last changed."""

    endpoint: str
    values: dict
    langs: tuple[str, ...] = LANGUAGES
    lastmod: datetime | None = None


def _builds(endpoint: str, values: dict) -> bool:
    try:
        url_for(endpoint, **values)
    except BuildError:
        return False
    return True


def public_pages() -> Iterator[SitemapPage]:
    """Every public page but the articles: fixed pages, each district's pages, commitments, e-services."""
    for endpoint in STATIC_PAGES:
        if _builds(endpoint, {}):
            yield SitemapPage(endpoint, {})
    districts = active_districts()
    for endpoint in DISTRICT_PAGES:
        if districts and _builds(endpoint, {"code": districts[0].code}):
            for district in districts:
                yield SitemapPage(endpoint, {"code": district.code})
    for commitment_id, updated in db.session.execute(
            select(Commitment.id, Commitment.updated_at).order_by(Commitment.id)):
        yield SitemapPage("commitments.item", {"commitment_id": commitment_id}, lastmod=updated)
    for (code,) in db.session.execute(select(Service.code).where(Service.active.is_(True)).order_by(Service.code)):
        yield SitemapPage("eservices.service", {"code": code})


def article_sitemap_count() -> int:
    """How many article sitemaps there are (at least one, possibly empty)."""
    total = db.session.scalar(select(func.count()).select_from(Article).where(Article.public())) or 0
    return max(1, -(-total // ARTICLES_PER_SITEMAP))


def article_pages(number: int) -> list[SitemapPage]:
    """The ``number``-th (from 1) slice of published articles, oldest first, each in the languages it is written in."""
    ids = select(Article.id).where(Article.public()).order_by(Article.id) \
        .limit(ARTICLES_PER_SITEMAP).offset((number - 1) * ARTICLES_PER_SITEMAP).subquery()
    rows = db.session.execute(
        select(Article.id, Article.updated_at, ArticleText.lang)
        .join(ArticleText, ArticleText.article_id == Article.id)
        .where(Article.id.in_(select(ids.c.id))).order_by(Article.id))
    pages: dict[int, SitemapPage] = {}
    for article_id, updated, lang in rows:
        page = pages.setdefault(article_id, SitemapPage("news.article", {"article_id": article_id}, (), updated))
        page.langs = page.langs + (lang,)
    for page in pages.values():
        page.langs = tuple(lang for lang in LANGUAGES if lang in page.langs)
    return list(pages.values())


def _w3c(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def urlset(pages: list[SitemapPage] | Iterator[SitemapPage]) -> str:
    """A sitemap ``<urlset>``: one ``<url>`` per page and language, each naming all its languages."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for page in pages:
        addresses = {lang: str(escape(url_for(page.endpoint, _external=True, lang=lang, **page.values)))
                     for lang in page.langs}
        alternates = "".join(f'<xhtml:link rel="alternate" hreflang="{lang}" href="{href}"/>'
                             for lang, href in addresses.items())
        if "az" in addresses:
            alternates += f'<xhtml:link rel="alternate" hreflang="x-default" href="{addresses["az"]}"/>'
        lastmod = f"<lastmod>{_w3c(page.lastmod)}</lastmod>" if page.lastmod else ""
        for href in addresses.values():
            lines.append(f"<url><loc>{href}</loc>{lastmod}{alternates}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def sitemap_index(locations: list[str]) -> str:
    """A ``<sitemapindex>`` of the given sitemap addresses."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"<sitemap><loc>{escape(location)}</loc></sitemap>" for location in locations]
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"
