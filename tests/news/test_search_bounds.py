"""News search at scale (issue 20): on PostgreSQL a very common word is counted up to ``COUNT_LIMIT`` and the
``RANKED`` most recently published texts found are ranked, best first; below the bounds nothing changes."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest

from app.models import utcnow
from app.news import search as news_search
from tests.factories import create_reference_data, create_user
from tests.news_helpers import clean_search_index, publish  # noqa: F401 (a fixture)
from tests.test_pages import check_page

postgresql_only = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                     reason="the bounds are PostgreSQL's (SQLite counts and ranks inside its index)")


pytestmark = pytest.mark.usefixtures("clean_search_index")


@pytest.fixture
def archive(app):
    """Seven published articles of Gəncə with "təmir", one an hour older than the next; the oldest has the word in
    its title (the best match of all), the newest two only in the body; one of Masallı; a draft with the word."""
    with app.app_context():
        districts = create_reference_data()
        editor = create_user("editor@example.az", roles=[("editor", districts["GNC"])])
        now = utcnow()
        texts = [{"az": ("Təmir təmir təmir", "Yolun təmiri", "Təmir başa çatdı."),
                  "en": ("Repair repair repair", "Road repair", "The repair is over.")}] + [
            {"az": (f"Xəbər {n}", "Qısa xülasə", f"Küçədə təmir işləri {n}."),
             "en": (f"News {n}", "Short summary", f"Street repair works {n}.")} for n in range(1, 7)]
        ids = [publish(editor, districts["GNC"], text, published_at=now - timedelta(hours=10 - n)).id
               for n, text in enumerate(texts)]
        masalli = publish(editor, districts["MSL"], {"az": ("Masallıda təmir", "Təmir", "Təmir")},
                          published_at=now - timedelta(minutes=30)).id
        publish(editor, districts["GNC"], {"az": ("Qaralama təmir", "", "təmir")}, status="draft")
        return {"ids": ids, "masalli": masalli, "gnc": districts["GNC"].id}


def articles(results) -> list[int]:
    return [hit.article.id for hit in results.items]


def test_below_the_bounds_every_text_found_is_counted_and_ranked(ctx, archive):
    results = news_search.search("təmir", "az")
    assert results.found == results.total == 8 and not results.more
    # The title match ranks first although it is the oldest.
    assert articles(results)[0] == archive["ids"][0]


@postgresql_only
@pytest.mark.parametrize("count_limit", [3, 100])
def test_the_most_recent_texts_found_are_ranked_when_there_are_many(ctx, archive, monkeypatch, count_limit):
    monkeypatch.setattr(news_search, "COUNT_LIMIT", count_limit)
    monkeypatch.setattr(news_search, "RANKED", 4)
    results = news_search.search("təmir", "az")
    # Counted as far as the limit (then "more"), or all eight; either way the four most recent are listed.
    assert (results.found, results.more) == ((3, True) if count_limit == 3 else (8, False))
    assert results.total == 4
    newest = {archive["masalli"], *archive["ids"][-3:]}
    assert set(articles(results)) == newest
    # The best of them first: Masallı's has the word in its title, summary and body.
    assert articles(results)[0] == archive["masalli"]
    # In one district, through the district's own articles.
    district = news_search.search("təmir", "az", district_id=archive["gnc"])
    assert set(articles(district)) == set(archive["ids"][-4:]) and archive["ids"][0] not in articles(district)


@postgresql_only
def test_a_bounded_search_is_three_statements_too(ctx, archive, monkeypatch, count_queries):
    monkeypatch.setattr(news_search, "COUNT_LIMIT", 2)
    monkeypatch.setattr(news_search, "RANKED", 3)
    with count_queries() as counter:
        results = news_search.search("təmir", "az", page=2, per_page=2)
    assert counter.count == 3 and results.more and results.total == 3 and len(results.items) == 1


@postgresql_only
def test_the_page_says_more_were_found_and_which_are_listed(client, archive, monkeypatch):
    monkeypatch.setattr(news_search, "COUNT_LIMIT", 3)
    monkeypatch.setattr(news_search, "RANKED", 4)
    html = client.get("/news/search?q=repair&lang=en").get_data(as_text=True)
    check_page(html, "en")
    assert "More than 3 articles found" in html
    assert "The 4 most recently published are listed, the best matches first." in html


def test_the_page_gives_the_exact_count_below_the_bounds(client, archive):
    html = client.get("/news/search?q=başa&lang=az").get_data(as_text=True)
    check_page(html, "az")
    assert "1 məqalə tapıldı" in html and "Ən son dərc olunmuş" not in html
