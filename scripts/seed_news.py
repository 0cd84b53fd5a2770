"""Seed a database with N news articles (default 50,000) for the benchmarks: resumable, batched, with a progress bar.

Articles spread over the 20 districts and the national newsroom, three years back, nine in ten
published (the rest drafts, scheduled or archived), each written in Azerbaijani, four in five also in
Russian and English. Texts are made of realistic words, so that search has common words
(``təmir``, ``вода``, ``water``) and rare ones (``planetari``, one article in a thousand).

    .venv/bin/python scripts/seed_news.py --database-url sqlite:///instance/bench_news.sqlite

``seed_articles()`` is what scripts/bench_news.py calls. Each chunk is committed, so an interrupted run
resumes where it stopped; the SQLite search index is rebuilt at the end when it is behind.
"""
from __future__ import annotations

import argparse
import itertools
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from markupsafe import escape
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.administration import seed  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Article, ArticleText, District  # noqa: E402
from app.news import search as news_search  # noqa: E402

PASSWORD = "Bench-News-2026"
AUTHOR = "bench.editor@bench.az"
CHUNK = 2_000
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a fixed clock: a resumed run plans the same articles

WORDS = {
    "az": ("şəhər rayon icra hakimiyyəti sakinlər təmir yol su xətti məktəb park bayram konsert yarmarka "
           "xəstəxana uşaq bağçası körpü küçə abadlıq işıqlandırma qaz təchizatı görüş qəbul idman meydan "
           "ağacəkmə aksiya tədbir mədəniyyət evi kitabxana muzey sərgi həyət bina dam fasad avtobus marşrut "
           "səhiyyə gənclər təhsil torpaq sahəsi layihə tikinti başa çatdı başlandı elan olunur dəvət edir "
           "bərpa edildi yeni açıldı keçiriləcək").split(),
    "ru": ("город район исполнительная власть жители ремонт дорога вода водоснабжение школа парк праздник концерт "
           "ярмарка больница детский сад мост улица благоустройство освещение газ встреча приём спорт площадь "
           "посадка деревьев акция мероприятие дом культуры библиотека музей выставка двор здание крыша фасад "
           "автобус маршрут здравоохранение молодёжь образование земельный участок проект строительство "
           "завершено началось объявляется приглашает восстановлено открыт состоится").split(),
    "en": ("city district executive authority residents repair road water supply line school park holiday concert "
           "fair hospital kindergarten bridge street improvement lighting gas meeting reception sport square "
           "tree planting campaign event house of culture library museum exhibition yard building roof facade "
           "bus route health youth education land plot project construction completed started announced invites "
           "restored new opened will be held").split(),
}
RARE = {"az": "planetari", "ru": "планетарий", "en": "planetarium"}
SYLLABLES = {"az": "ba də gi lo mu sə ta ni ka rə zu qo fə li me ça şı ya vu".split(),
             "ru": "ба де ги ло му се та ни ка ре зу ко фе ли ме ча шу я ву".split(),
             "en": "ba de gi lo mu se ta ni ka re zu co fe li me cha shu ya vu".split()}
VOCABULARY = 3_000
# One word in four is a real one of WORDS (each then in about a quarter of the articles, like "repair" in
# local news); the others come from a vocabulary of made-up words used with a Zipf-like frequency, so that the
# index has the long tail of a real language.
REAL_SHARE = 0.25


def _vocabulary(lang: str) -> list[str]:
    rng = random.Random(lang)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


MADE_UP = {lang: _vocabulary(lang) for lang in WORDS}
ZIPF = list(itertools.accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))
STATUS_MIX = [("published", 90), ("draft", 4), ("scheduled", 2), ("archived", 4)]


def _sentence(rng: random.Random, lang: str, words: int) -> str:
    real = sum(1 for _ in range(words) if rng.random() < REAL_SHARE)
    chosen = [rng.choice(WORDS[lang]) for _ in range(real)] + rng.choices(MADE_UP[lang], cum_weights=ZIPF, k=words - real)
    rng.shuffle(chosen)
    return " ".join(chosen).capitalize() + "."


def _texts(i: int, rng: random.Random, article_id: int) -> list[dict]:
    langs = ["az", "ru", "en"] if rng.random() < 0.8 else ["az"]
    rows = []
    for lang in langs:
        title = _sentence(rng, lang, rng.randint(4, 8))[:-1]
        summary = _sentence(rng, lang, rng.randint(12, 22))
        paragraphs = [" ".join(_sentence(rng, lang, rng.randint(8, 14)) for _ in range(3)) for _ in range(2)]
        if i % 1000 == 7:
            paragraphs[1] += f" {RARE[lang].capitalize()}."
        body_md = "\n\n".join(paragraphs)
        body_html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        rows.append({"article_id": article_id, "lang": lang, "title": title[:200], "summary": summary[:500],
                     "body_md": body_md, "body_html": body_html})
    return rows


def _article(i: int, rng: random.Random, districts: list[int], author_id: int) -> dict:
    status = rng.choice([s for s, weight in STATUS_MIX for _ in range(weight)])
    # Oldest first: article i is older than article i + 1, three years in all.
    when = START - timedelta(days=3 * 365) + timedelta(minutes=i * 3 * 365 * 24 * 60 / 50_000)
    district_id = None if rng.random() < 0.1 else rng.choice(districts)
    row = {"district_id": district_id, "kind": "news", "status": status, "author_id": author_id,
           "created_at": when, "updated_at": when, "publish_at": None, "published_at": None}
    if status in ("published", "archived"):
        row["published_at"] = when
    if status == "scheduled":
        row["publish_at"] = START + timedelta(days=rng.randint(1, 30))
    return row


def seed_articles(count: int) -> int:
    """Add the missing benchmark articles (with their texts); return how many were added."""
    seed.seed_reference_data()
    author, _created = seed.ensure_user(AUTHOR, "Bench Editor", PASSWORD, [("admin", None)])
    districts = list(db.session.scalars(select(District.id).order_by(District.id)))
    have = db.session.scalar(select(func.count()).select_from(Article).where(Article.author_id == author.id)) or 0
    added = 0
    if have < count:
        with click.progressbar(range(have, count, CHUNK), label=f"Seeding {count - have:,} articles",
                               show_pos=True, item_show_func=lambda s: f"{s:,}" if s is not None else "") as chunks:
            for start in chunks:
                stop = min(start + CHUNK, count)
                rngs = {i: random.Random(i) for i in range(start, stop)}
                articles = [_article(i, rngs[i], districts, author.id) for i in range(start, stop)]
                ids = list(db.session.scalars(insert(Article).returning(Article.id, sort_by_parameter_order=True),
                                              articles))
                texts = [row for i, article_id in zip(range(start, stop), ids, strict=True)
                         for row in _texts(i, rngs[i], article_id)]
                db.session.execute(insert(ArticleText), texts)
                db.session.commit()
                added += stop - start
    if db.engine.dialect.name == "sqlite":
        indexed = db.session.execute(text("SELECT count(*) FROM news_fts")).scalar_one()
        if indexed != news_search.published_text_count():
            total = news_search.published_text_count()
            with click.progressbar(length=total, label="Search index", show_pos=True) as bar:
                news_search.reindex_all(progress=bar.update)
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'instance' / 'bench_news.sqlite'}")
    parser.add_argument("--articles", type=int, default=50_000)
    args = parser.parse_args()
    (ROOT / "instance").mkdir(exist_ok=True)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": args.database_url, "MAIL_SERVER": ""})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        added = seed_articles(args.articles)
        total = db.session.scalar(select(func.count()).select_from(Article))
    print(f"Summary: {added:,} articles added, {total:,} in the database.")


if __name__ == "__main__":
    main()
