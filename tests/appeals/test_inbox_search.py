"""The inbox at scale (issue 20): word search through the full-text indexes, its bounded count, the counts per status
read once, and a constant number of statements whatever is found."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.appeals import queries as appeal_queries
from app.extensions import db
from app.models import Category, utcnow
from tests.factories import create_appeal, create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def world(ctx):
    """Gəncə with an official, Masallı, a resident, and appeals whose subjects are in the three languages.
    Built once, then put back (tests/snapshots.py)."""
    return replayed("appeals inbox search: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    citizen = create_user("citizen@example.az")
    official = create_user("official@example.az", roles=[("official", gnc)])
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    subjects = ["Küçədə su yoxdur", "Yolda dərin çuxur var", "Нет воды в доме", "No water in the street",
                "Suyun təzyiqi aşağıdır", "İşıqlandırma yoxdur"]
    ids = {subject: create_appeal(citizen, gnc, category, subject=subject).id for subject in subjects}
    # The same words in another district are never found in Gəncə's inbox.
    create_appeal(citizen, msl, category, subject="Küçədə su yoxdur")
    return {"official": official, "citizen": citizen, "gnc": gnc, "category": category, "ids": ids}


def found(world, query: str, **filters) -> set[int]:
    box = appeal_queries.inbox(world["official"], None, appeal_queries.InboxFilters(status="all", q=query, **filters))
    return {appeal.id for appeal in box.page.items}


def test_word_search_finds_the_words_of_a_subject_in_three_languages_by_their_beginning(world):
    ids = world["ids"]
    assert found(world, "su yoxdur") == {ids["Küçədə su yoxdur"]}
    # Each word is the beginning of a word of the subject, in any order; case and diacritics do not matter.
    assert found(world, "yox KUÇƏ") == {ids["Küçədə su yoxdur"]}
    assert found(world, "su") == {ids["Küçədə su yoxdur"], ids["Suyun təzyiqi aşağıdır"]}
    assert found(world, "воды") == {ids["Нет воды в доме"]}
    assert found(world, "WATER street") == {ids["No water in the street"]}
    assert found(world, "işıq") == {ids["İşıqlandırma yoxdur"]}
    # The subject only: the text ("Üç gündür ki, küçəmizdə su yoxdur.") is not searched.
    assert found(world, "gündür") == set()
    # Every word must be there; punctuation and operators are no words.
    assert found(world, "su çuxur") == set()
    assert found(world, "100%_ * OR") == set()
    assert found(world, "!!!") == set()


def test_the_number_search_is_unchanged(world):
    number = create_appeal(world["citizen"], world["gnc"], world["category"], subject="Başqa mövzu").number
    box = appeal_queries.inbox(world["official"], None, appeal_queries.InboxFilters(status="all", q=number.lower()))
    assert [appeal.number for appeal in box.page.items] == [number] and box.total == 1 and not box.more


def test_word_search_narrows_with_the_other_filters_and_keeps_the_deadline_order(world):
    ids = world["ids"]
    box = appeal_queries.inbox(world["official"], None, appeal_queries.InboxFilters(q="yoxdur"))
    assert [a.id for a in box.page.items] == [ids["Küçədə su yoxdur"], ids["İşıqlandırma yoxdur"]]
    assert box.total == 2 and not box.more
    assert found(world, "yoxdur", kind="proposal") == set()


def test_a_common_word_is_counted_up_to_the_limit_and_paged_in_the_deadline_order(world, monkeypatch):
    ids = world["ids"]
    monkeypatch.setattr(appeal_queries, "SEARCH_COUNT_LIMIT", 1)

    def page(number: int, query: str = "yoxdur") -> appeal_queries.Inbox:
        return appeal_queries.inbox(world["official"], None,
                                    appeal_queries.InboxFilters(status="all", q=query, per_page=1, page=number))

    # One appeal has both words: counted exactly, under the limit.
    assert page(1, "su yoxdur").total == 1 and not page(1, "su yoxdur").more
    # "yoxdur" is in two subjects: counted as far as the limit, and said to be more.
    first, second = page(1), page(2)
    assert first.more and first.total == 1 and first.page.pages == 1
    # The pages list them in the inbox's order (deadline, then filing) however they are found.
    assert [a.id for a in first.page.items] == [ids["Küçədə su yoxdur"]]
    assert [a.id for a in second.page.items] == [ids["İşıqlandırma yoxdur"]]


def test_the_counts_per_status_and_the_overdue_ones_come_from_one_statement(world):
    official = world["official"]
    late = create_appeal(world["citizen"], world["gnc"], world["category"], subject="Gecikmiş",
                         now=utcnow() - timedelta(days=60))
    box = appeal_queries.inbox(official, None, appeal_queries.InboxFilters())
    assert box.counts["submitted"] == 7 and sum(box.counts.values()) == 7
    assert box.overdue == 1
    assert late.id in {a.id for a in appeal_queries.inbox(official, None,
                                                          appeal_queries.InboxFilters(overdue=True)).page.items}
    # Only the status narrows: the count is the counts' own.
    assert box.total == 7 and box.page.total == 7


def test_the_inbox_runs_the_same_statements_whatever_the_page_size_and_what_is_found(world, count_queries,
                                                                                     monkeypatch):
    monkeypatch.setattr(appeal_queries, "SEARCH_COUNT_LIMIT", 2)
    for _ in range(6):
        create_appeal(world["citizen"], world["gnc"], world["category"], subject="Küçədə su yoxdur")
    statements = {}
    for query in ("", "su", "yoxdur", "nothing-like-it", "GNC-2026-000001"):
        for size in (1, 5, 20):
            db.session.expire_all()
            with count_queries() as q:
                box = appeal_queries.inbox(world["official"], None,
                                           appeal_queries.InboxFilters(status="all", q=query, per_page=size))
                [(a.number, a.subject, a.category.name_az, a.assignee and a.assignee.full_name)
                 for a in box.page.items]
            statements.setdefault(query, set()).add(q.count)
    assert all(len(counts) == 1 for counts in statements.values()), statements
    base = statements[""].pop()
    # A word search adds its bounded count of what it finds (nothing found: no appeals to read); a number is
    # counted instead of the counts per status giving the count.
    assert {query: counts.pop() - base for query, counts in statements.items() if query} == {
        "su": 1, "yoxdur": 1, "nothing-like-it": 0, "GNC-2026-000001": 0}
