"""Full-text search of the published news in the visitor's language, one interface over two engines.

- SQLite (the embedded default): an FTS5 table ``news_fts`` (migration 0014), one row per text of a
  published article (rowid = ``article_texts.id``), ranked with bm25 (title weighs most, then
  summary, then body). This module keeps it up to date on the ``article_changed`` signal;
  ``flask news reindex`` rebuilds it.
- PostgreSQL: a stored generated tsvector column ``article_texts.search_vector`` with a GIN index per
  language (Russian stemming for Russian texts, the simple configuration for Azerbaijani and English; title,
  summary and body weighted A, B, C; migrations 0014 and 0031), ranked with ``ts_rank_cd``. PostgreSQL
  maintains both; nothing to do on a change. Every text found is read from the table to be counted or ranked
  (the index does not say whether its article is published, and ranking reads the stored vector), so a very
  common word is bounded: the texts found are counted up to ``COUNT_LIMIT`` ("more than 1,000"), and the
  ``RANKED`` most recently published of them are ranked, best first (all of them when there are no more). Past
  ``COUNT_LIMIT``, and in one district, those most recent ones are found by reading the articles newest first
  and checking each text, rather than all the texts the index finds.

Views call ``search()`` and ``highlight()`` and never know which engine answered. What a visitor
types never reaches either query language as is: it is cut into words (letters and digits only),
each quoted, so punctuation, operators or a very long text are a clear message, never a database
error. Every word must match, as a prefix shortened by its likely ending (``məktəb`` finds ``məktəbin``,
``водоснабжения`` finds ``водоснабжение``): a stand-in for the stemming Azerbaijani lacks in both
engines and Russian lacks in SQLite (PostgreSQL stems Russian as well).
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, select, text
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.kit.errors import Invalid
from app.kit.paging import Page
from app.models import LANGUAGES, Article, ArticleText
from app.news.signals import article_changed

MAX_QUERY = 200
MAX_TERMS = 8
PER_PAGE = 10
SNIPPET = 220
# PostgreSQL: how far the texts found are counted, and how many of the most recent of them are ranked and listed.
COUNT_LIMIT = 1_000
RANKED = 200
# A word: letters and digits of any script (no underscore, no punctuation).
WORD_RE = re.compile(r"[^\W_]+")

@dataclass
class Results(Page):
    """A page of hits. ``found``: how many published texts have the words, counted up to ``COUNT_LIMIT`` (``more``:
    there are more); ``total`` (what the pages list): all of them, or on PostgreSQL the ``RANKED`` most recent."""

    found: int = 0
    more: bool = False


@dataclass
class Hit:
    """One article found: its text in the visitor's language and the highlighted parts to show."""

    article: Article
    text: ArticleText
    title: Markup
    summary: Markup
    snippet: Markup


def _fold(word: str) -> str:
    """Lower case without diacritics (ü → u, ş → s; ə stays), as the SQLite tokenizer folds words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms_of(query: str) -> list[str]:
    """The words of ``query`` to search for: lower case, each once, at most ``MAX_TERMS``."""
    terms: list[str] = []
    for word in WORD_RE.findall(query):
        word = word.casefold()
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def check_query(query: str) -> list[str]:
    """The words of ``query``; ``Invalid({"q": ...})`` when it is too long or has no word at all."""
    if len(query) > MAX_QUERY:
        raise Invalid({"q": _l("Search for at most %(limit)d characters.", limit=MAX_QUERY)})
    terms = terms_of(query)
    if not terms:
        raise Invalid({"q": _l("Type at least one word (letters or digits) to search for.")})
    return terms


def _engine() -> str:
    return db.engine.dialect.name


def search(query: str, lang: str, page: int = 1, district_id: int | None = None,
           per_page: int = PER_PAGE) -> Results:
    """Published articles whose title, summary or body in ``lang`` has every word of ``query``, best first.

    ``district_id`` narrows to one district's articles. Raises ``Invalid`` for a query with no word or
    over ``MAX_QUERY`` characters. At most three statements, whatever the number of articles found.
    """
    terms = check_query(query)
    lang = lang if lang in LANGUAGES else "az"
    page = max(1, page)
    if _engine() == "postgresql":
        ids, found = _search_postgresql(terms, lang, page, per_page, district_id)
        more, total = found > COUNT_LIMIT, min(found, RANKED)
        found = min(found, COUNT_LIMIT)
    else:
        ids, found = _search_sqlite(terms, lang, page, per_page, district_id)
        more, total = False, found
    texts = {t.id: t for t in db.session.scalars(
        select(ArticleText).where(ArticleText.id.in_(ids))
        .options(joinedload(ArticleText.article).joinedload(Article.district))
    )} if ids else {}
    hits = [_hit(texts[i], terms) for i in ids if i in texts]
    return Results(hits, total, page, per_page, found=found, more=more)


def _sqlite_match(terms: list[str], lang: str, district_id: int | None) -> str:
    """An FTS5 query: the language (and district) keys, then every term quoted (so no word is read as an
    operator) as a prefix for words of 2+ letters, looked for in the title, summary and body only."""
    words = " AND ".join(f'"{_trim(term)}"*' if len(term) > 1 else f'"{term}"' for term in terms)
    keys = f'lang : "{lang}"' + (f' AND district : "d{int(district_id)}"' if district_id is not None else "")
    return f"{keys} AND {{title summary body}} : ({words})"


def _search_sqlite(terms, lang, page, per_page, district_id) -> tuple[list[int], int]:
    # Language and district are keys inside the index, so the count and the ranking (bm25, weights set by
    # migration 0014) never leave it. The page's rows are checked against the articles: a text whose article
    # is no longer published, or that no longer exists, is dropped even if its row lingered in the index.
    params = {"match": _sqlite_match(terms, lang, district_id)}
    total = db.session.execute(text("SELECT count(*) FROM news_fts WHERE news_fts MATCH :match"), params).scalar_one()
    if not total:
        return [], 0
    rows = db.session.execute(text(
        "SELECT t.id FROM (SELECT rowid AS id, rank FROM news_fts WHERE news_fts MATCH :match ORDER BY rank "
        "LIMIT :limit OFFSET :offset) found JOIN article_texts t ON t.id = found.id "
        "JOIN articles a ON a.id = t.article_id AND a.status = 'published' ORDER BY found.rank"),
        {**params, "limit": per_page, "offset": (page - 1) * per_page})
    return [row[0] for row in rows], total


def _pg_tsquery(terms: list[str]) -> str:
    """A to_tsquery string: each term single-quoted (letters and digits only, so nothing to escape), as a prefix."""
    return " & ".join(f"'{_trim(term)}':*" if len(term) > 1 else f"'{term}'" for term in terms)


def _search_postgresql(terms, lang, page, per_page, district_id) -> tuple[list[int], int]:
    """The page's text ids, best first among the ``RANKED`` most recent texts found, and how many were found
    (counted up to ``COUNT_LIMIT + 1``). Two statements (one when nothing is found, one in a district).

    Texts are found in one of two ways. Through the language's full-text index: every text the index finds is read,
    with its article by its key (``OFFSET 0`` keeps the lateral subquery apart, rather than every article of the
    archive hashed), which costs what the index finds. Or by reading articles newest first (their index) and
    checking each one's text (``ts_match_vq`` is what ``@@`` calls, in a form the index does not serve), which costs
    a few reads per text kept: for a word so common that more than ``COUNT_LIMIT`` texts have it, and for one
    district, whose articles are a bounded share of the archive while the index would find every district's. The
    language is written into the statements (one of ``LANGUAGES``), so that PostgreSQL uses its partial index."""
    config = "'russian'::regconfig" if lang == "ru" else "'simple'::regconfig"
    query = f"to_tsquery({config}, :query)"
    district = " AND a.district_id = :district" if district_id is not None else ""
    params = {"query": _pg_tsquery(terms), "district": district_id}
    indexed = (f"FROM article_texts t, LATERAL (SELECT a.published_at FROM articles a WHERE a.id = t.article_id "
               f"AND a.status = 'published'{district} OFFSET 0) a "
               f"WHERE t.lang = '{lang}' AND t.search_vector @@ {query}")
    walked = (f"FROM articles a, LATERAL (SELECT t.id, t.search_vector FROM article_texts t WHERE t.article_id = a.id "
              f"AND t.lang = '{lang}' OFFSET 0) t "
              f"WHERE a.status = 'published'{district} AND ts_match_vq(t.search_vector, {query})")
    if district_id is not None:
        return _search_district(walked, query, params, page, per_page)
    found = db.session.execute(text(f"SELECT count(*) FROM (SELECT 1 {indexed} LIMIT :limit) found"),
                               {**params, "limit": COUNT_LIMIT + 1}).scalar_one()
    if not found:
        return [], 0
    source = walked if found > COUNT_LIMIT else indexed
    rows = db.session.execute(text(
        f"SELECT found.id FROM (SELECT t.id, t.search_vector, a.published_at {source} "
        "ORDER BY a.published_at DESC, t.id DESC LIMIT :ranked) found "
        f"ORDER BY ts_rank_cd(found.search_vector, {query}) DESC, found.published_at DESC, found.id DESC "
        "LIMIT :limit OFFSET :offset"),
        {**params, "ranked": RANKED, "limit": per_page, "offset": (page - 1) * per_page})
    return [row[0] for row in rows], found


def _search_district(walked: str, query: str, params: dict, page: int, per_page: int) -> tuple[list[int], int]:
    """``_search_postgresql`` in one district: one statement reading the district's articles newest first once,
    for the count and the most recent texts found, ranking only the first ``RANKED`` of them; the page is cut
    from those in Python."""
    rows = db.session.execute(text(
        "SELECT found.id, found.published_at, "
        f"CASE WHEN found.n <= :ranked THEN ts_rank_cd(found.search_vector, {query}) END "
        "FROM (SELECT t.id, t.search_vector, a.published_at, "
        f"row_number() OVER (ORDER BY a.published_at DESC, t.id DESC) AS n {walked} "
        "ORDER BY a.published_at DESC, t.id DESC LIMIT :limit) found"),
        {**params, "ranked": RANKED, "limit": COUNT_LIMIT + 1}).all()
    ranked = sorted(rows[:RANKED], key=lambda row: (row[2], row[1], row[0]), reverse=True)
    start = (page - 1) * per_page
    return [row[0] for row in ranked[start:start + per_page]], len(rows)


# --- Highlighting ---------------------------------------------------------------------------------


def _trim(term: str) -> str:
    """A search word shortened by its likely ending (a light stand-in for stemming): the prefix to look for.

    ``водоснабжения`` → ``водоснабжени`` finds ``водоснабжение``; short words stay whole.
    """
    if len(term) >= 7:
        return term[:-2]
    if len(term) >= 5:
        return term[:-1]
    return term


def _stem(term: str) -> str:
    """The folded prefix a text's word must start with to be marked."""
    return _fold(_trim(term))


def _matcher(terms: Iterable[str]) -> Callable[[str], bool]:
    stems = [(_stem(t), len(t) == 1) for t in terms]

    def matches(word: str) -> bool:
        folded = _fold(word)
        return any(folded == stem if exact else folded.startswith(stem) for stem, exact in stems)

    return matches


def highlight(value: str, terms: Iterable[str]) -> Markup:
    """``value`` escaped, then each word that matches a search term wrapped in ``<mark>``."""
    matches = _matcher(terms)
    parts: list[str] = []
    position = 0
    for found in WORD_RE.finditer(value):
        if matches(found.group()):
            parts.append(escape(value[position:found.start()]))
            parts.append(Markup("<mark>{}</mark>").format(found.group()))
            position = found.end()
    parts.append(escape(value[position:]))
    return Markup("").join(parts)


_TAG_RE = re.compile(r"<[^>]+>")


def plain_text(body_html: str) -> str:
    """The words of a sanitised HTML body, without tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG_RE.sub(" ", body_html or "")).split())


def snippet(value: str, terms: Iterable[str], size: int = SNIPPET) -> Markup:
    """About ``size`` characters of ``value`` around its first matching word, highlighted; empty when none."""
    matches = _matcher(terms)
    first = next((m for m in WORD_RE.finditer(value) if matches(m.group())), None)
    if first is None:
        return Markup("")
    start = max(0, first.start() - size // 3)
    if start:
        start = value.find(" ", start) + 1 or start
    end = min(len(value), max(start + size, first.end()))
    if end < len(value):
        # Cut at a space after the matching word, not inside a word.
        cut = value.rfind(" ", first.end(), end)
        end = cut if cut > 0 else end
    return (Markup("… ") if start else Markup("")) + highlight(value[start:end], terms) + \
        (Markup(" …") if end < len(value) else Markup(""))


def _hit(article_text: ArticleText, terms: list[str]) -> Hit:
    return Hit(article_text.article, article_text, highlight(article_text.title, terms),
               highlight(article_text.summary or "", terms), snippet(plain_text(article_text.body_html), terms))


# --- Keeping the SQLite index up to date ----------------------------------------------------------------


def _index_rows(texts: Iterable[ArticleText], district_of: Callable[[int], int | None]) -> list[dict]:
    return [{"id": t.id, "title": t.title, "summary": t.summary or "", "body": t.body_md or "", "lang": t.lang,
             "district": _district_key(district_of(t.article_id)), "article": str(t.article_id)} for t in texts]


def _district_key(district_id: int | None) -> str:
    return "national" if district_id is None else f"d{district_id}"


_INSERT = text("INSERT INTO news_fts (rowid, title, summary, body, lang, district, article_id) "
               "VALUES (:id, :title, :summary, :body, :lang, :district, :article)")


def reindex_article(article_id: int) -> int:
    """Bring the SQLite index in line with one article (its texts while published, none otherwise); commits.

    Returns the number of texts indexed. On PostgreSQL the index is the database's own: nothing to do.
    """
    if _engine() != "sqlite":
        return 0
    article = db.session.get(Article, article_id)
    # Every row of the article, found by its key inside the index (texts since deleted included).
    db.session.execute(text("DELETE FROM news_fts WHERE rowid IN (SELECT rowid FROM news_fts WHERE news_fts MATCH :key)"),
                       {"key": f'article_id : "{int(article_id)}"'})
    texts = list(article.texts) if article is not None else []
    if texts:
        # And whatever holds these texts' rows: a row left by a deleted article whose text id was reused.
        db.session.execute(text("DELETE FROM news_fts WHERE rowid IN ({})".format(
            ", ".join(str(int(t.id)) for t in texts))))
    rows = _index_rows(texts, lambda _id: article.district_id) if article is not None and article.is_public else []
    if rows:
        db.session.execute(_INSERT, rows)
    db.session.commit()
    return len(rows)


def _on_article_changed(article_id: int, **_extra) -> None:
    """The ``article_changed`` receiver (sent after the newsroom's commit)."""
    reindex_article(article_id)


article_changed.connect(_on_article_changed)


def published_text_count() -> int:
    """How many texts of published articles there are (what a full reindex writes)."""
    return db.session.scalar(select(func.count()).select_from(ArticleText).join(Article).where(Article.public())) or 0


def reindex_all(progress: Callable[[int], None] = lambda _n: None, batch: int = 2_000) -> int:
    """Rebuild the SQLite index from every published article in one transaction; return the texts indexed.

    Interrupted, it changes nothing (the transaction rolls back), so it is safe to run again.
    ``progress(n)`` is called after each batch of ``n`` texts. On PostgreSQL: 0, nothing to rebuild.
    """
    if _engine() != "sqlite":
        return 0
    db.session.execute(text("DELETE FROM news_fts"))
    done = 0
    last_id = 0
    while True:
        found = db.session.execute(
            select(ArticleText, Article.district_id).join(Article).where(Article.public(), ArticleText.id > last_id)
            .order_by(ArticleText.id).limit(batch)).all()
        if not found:
            break
        texts = [row[0] for row in found]
        districts = {row[0].article_id: row[1] for row in found}
        db.session.execute(_INSERT, _index_rows(texts, districts.get))
        last_id = texts[-1].id
        done += len(texts)
        progress(len(texts))
        db.session.expunge_all()
    db.session.commit()
    return done
