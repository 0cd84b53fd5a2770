"""Similar appeals while a resident writes one: the open public appeals of the same district and category that look
alike, so that the resident may follow one of them instead of (or as well as) writing their own.

One interface over two engines (migration 0024 creates both):

- SQLite: the FTS5 table ``appeals_fts`` (subject, text, and the district and category ids as keys; triggers keep it
  in step with ``appeals``), ranked with bm25, the subject weighing four times the text.
- PostgreSQL: the stored generated tsvector ``appeals.search_vector`` ('simple' configuration, subject A, text B)
  with its GIN index, ranked with ``ts_rank``.

What the resident typed never reaches either query language as is: it is cut into words (letters and digits only,
a bounded number of them), each quoted, and the words are ORed, so that an appeal sharing any of them is a
candidate and the ranking puts the ones sharing the most, and the rarest, first. Every word matches as a prefix
shortened by its likely ending (``kəsilməsi`` finds ``kəsilmə``, ``воды`` finds ``вода``, ``su`` finds ``suyun``):
a stand-in for the stemming Azerbaijani has in neither engine. The appeal rows are then checked against the
rule of what is public (``queries.public_rule``) and against the open statuses, in the same statement.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Float, Integer, select, text
from sqlalchemy.orm import joinedload

from app.appeals import follow
from app.appeals.queries import public_rule
from app.extensions import db
from app.kit.forms import MAX_ID
from app.models import OPEN_STATUSES, Appeal, User

# How many appeals the list shows.
LIMIT = 5
# What is read of each of the subject and the text: enough for the words that matter, bounded for a long paste.
MAX_INPUT = 2_000
# How many words one search looks for, and how long one word may be.
MAX_TERMS = 12
MAX_WORD = 40
# A word: letters and digits of any script (no underscore, no punctuation).
WORD_RE = re.compile(r"[^\W_]+")
# Latin letters with diacritics and their plain letters (ə and ı are letters of their own and stay): SQLite's
# tokenizer folds them, and PostgreSQL's index is built folded with the same pairs (migration 0024), so that a
# word typed without them ("kuçə") finds the word written with them ("küçə") on both engines.
FOLD_FROM = "ÇçĞğİÖöŞşÜüÂâÄäÁáÀàÉéÈèÊêËëÍíÌìÎîÏïÓóÒòÔôÚúÙùÛûÑñÝýŸÿ"
FOLD_TO = "CcGgIOoSsUuAaAaAaAaEeEeEeEeIiIiIiIiOoOoOoUuUuUuNnYyYy"
FOLD = str.maketrans(FOLD_FROM, FOLD_TO)
# Words that say nothing of the matter: they would make every appeal look alike.
STOP_WORDS = frozenset({
    # az
    "və", "ilə", "üçün", "bu", "da", "də", "ki", "bir", "çox", "artıq", "hələ", "yox", "var", "olan", "olub",
    "mən", "biz", "siz", "onun", "bizim", "xahiş", "edirəm", "edirik", "gündür",
    # ru
    "и", "в", "во", "на", "не", "по", "с", "со", "что", "как", "у", "к", "о", "об", "из", "за", "от", "для", "до",
    "уже", "нет", "это", "мы", "я", "вы", "наш", "нас", "при", "прошу", "просим", "дня", "дней",
    # en
    "the", "a", "an", "of", "in", "on", "and", "or", "to", "is", "are", "for", "at", "no", "not", "it", "we",
    "our", "my", "with", "has", "have", "been", "please", "days",
})


@dataclass
class SimilarAppeals:
    """What the filing form shows beside what the resident wrote: the appeals found (best first), which of them
    the resident follows, and whether a search ran (a district, a category and a word to look for were given)."""

    items: list[Appeal] = field(default_factory=list)
    followed: set[int] = field(default_factory=set)
    searched: bool = False


def _words(value: str | None) -> list[str]:
    """The words of ``value`` in lower case, each once, in order; stop words, numbers and single letters left out;
    diacritics folded as the indexes fold them."""
    found: list[str] = []
    # NFC first: a letter typed as a base and a combining mark would otherwise split the word in two.
    for word in WORD_RE.findall(unicodedata.normalize("NFC", (value or "")[:MAX_INPUT])):
        word = word.lower()
        if word in STOP_WORDS:
            continue
        # Lowering "İ" leaves an "i" and a combining dot, which neither index keeps.
        word = word.translate(FOLD).replace("\u0307", "")[:MAX_WORD]
        if len(word) > 1 and not word.isdigit() and word not in found:
            found.append(word)
    return found


def terms_of(subject: str | None, text: str | None) -> list[str]:
    """The words to search for, at most ``MAX_TERMS``: the subject's first (a resident names the matter there),
    then the text's, longest first (long words tell more than short ones)."""
    terms = _words(subject)
    rest = [word for word in _words(text) if word not in terms]
    return (terms + sorted(rest, key=len, reverse=True))[:MAX_TERMS]


def prefix_of(term: str) -> str:
    """A word shortened by its likely ending (a light stand-in for stemming): what a matching word starts with.

    ``kəsilməsi`` → ``kəsilm``, ``отключение`` → ``отключе``, ``воды`` → ``вод``; words of up to three letters
    stay whole (``su`` still finds ``suyun``, being a prefix itself).
    """
    if len(term) >= 9:
        return term[:-3]
    if len(term) >= 7:
        return term[:-2]
    if len(term) >= 4:
        return term[:-1]
    return term


def _sqlite_match(terms: list[str], district_id: int, category_id: int) -> str:
    """An FTS5 query: the district and category keys, then any of the words (each quoted, so that none is read as
    an operator) as a prefix, in the subject or the text."""
    words = " OR ".join(f'"{prefix_of(term)}"*' for term in terms)
    return f'district_id : "{int(district_id)}" AND category_id : "{int(category_id)}" AND {{subject text}} : ({words})'


def _pg_tsquery(terms: list[str]) -> str:
    """A to_tsquery string: each word single-quoted (letters and digits only, so nothing to escape), as a prefix."""
    return " | ".join(f"'{prefix_of(term)}':*" for term in terms)


def _ranked(terms: list[str], district_id: int, category_id: int):
    """The appeals of the district and category matching any word, as (id, score), best first by lowest score."""
    if db.engine.dialect.name == "postgresql":
        found = text(
            "SELECT a.id AS id, -ts_rank(a.search_vector, q) AS score "
            "FROM appeals a, to_tsquery('simple'::regconfig, :query) q "
            "WHERE a.search_vector @@ q AND a.district_id = :district AND a.category_id = :category"
        ).bindparams(query=_pg_tsquery(terms), district=district_id, category=category_id)
    else:
        # bm25: lower is better; the subject weighs four times the text, the keys nothing.
        found = text(
            "SELECT rowid AS id, bm25(appeals_fts, 4.0, 1.0, 0.0, 0.0) AS score FROM appeals_fts "
            "WHERE appeals_fts MATCH :match"
        ).bindparams(match=_sqlite_match(terms, district_id, category_id))
    return found.columns(id=Integer, score=Float).subquery("found")


def _known_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def find(district_id: int | None, category_id: int | None, subject: str | None, text_: str | None,
         limit: int = LIMIT) -> tuple[list[Appeal], bool]:
    """The open public appeals of the district and category most like ``subject`` and ``text_``, best first, and
    whether a search ran. One statement; none without a district, a category or a word to search for.

    An unknown district or category, or ids that are no ids, simply find nothing.
    """
    terms = terms_of(subject, text_)
    if not (terms and _known_id(district_id) and _known_id(category_id)):
        return [], False
    ranked = _ranked(terms, district_id, category_id)
    query = (
        select(Appeal)
        .join(ranked, ranked.c.id == Appeal.id)
        .where(Appeal.district_id == district_id, Appeal.category_id == category_id,
               Appeal.status.in_(OPEN_STATUSES), *public_rule())
        # The district's code makes the link to each appeal's public page.
        .options(joinedload(Appeal.district))
        .order_by(ranked.c.score, Appeal.created_at.desc(), Appeal.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query)), True


def similar_for(actor: User | None, district_id: int | None, category_id: int | None, subject: str | None,
                text_: str | None) -> SimilarAppeals:
    """What the filing form shows beside the resident's draft: the similar appeals and which of them ``actor``
    follows. Two statements at most, whatever is found."""
    items, searched = find(district_id, category_id, subject, text_)
    return SimilarAppeals(items, follow.followed_ids(actor, [a.id for a in items]), searched)
