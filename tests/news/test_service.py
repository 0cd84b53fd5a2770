"""The newsroom's rules: who writes and publishes what, sanitised bodies, checked covers, versions,
scheduling and publish-due with a controlled clock, Azerbaijani fallback, the cache and its invalidation."""
from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.kit import files, storage
from app.kit.calendar import BAKU
from app.kit.errors import Invalid, NotFound
from app.models import Article, ArticleImage, ArticleVersion, Category
from app.news import render as news_render
from app.news import service as news
from app.news.signals import article_changed
from tests.factories import create_article, create_reference_data, create_tags, create_user, image_bytes
from tests.snapshots import replayed

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=BAKU)


class FakeUpload:
    """An uploaded file as werkzeug hands it over (a name and a stream)."""

    def __init__(self, filename: str, data: bytes):
        self.filename = filename
        self.stream = io.BytesIO(data)


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("news service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc, "msl": msl, "tags": create_tags(),
        "editor": create_user("editor@example.az", roles=[("editor", gnc)]),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "other_editor": create_user("editor.msl@example.az", roles=[("editor", msl)]),
        "admin": create_user("admin@example.az", roles=[("admin", None)]),
        "resident": create_user("resident@example.az"),
    }


def three_languages(district_id, **changes) -> news.ArticleInput:
    data = news.ArticleInput(kind="news", district_id=district_id, texts={
        "az": news.TextInput("Yeni park açıldı", "Gəncədə yeni park", "Parkda **100** ağac əkildi.", "Parkda ağaclar"),
        "ru": news.TextInput("Открылся новый парк", "Новый парк в Гяндже", "В парке посажено **100** деревьев.",
                             "Деревья в парке"),
        "en": news.TextInput("A new park opened", "A new park in Ganja", "**100** trees were planted.", "Trees in the park"),
    })
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_an_editor_writes_in_three_languages_with_a_cover_schedules_and_it_appears_at_its_time(world):
    """The must-show path, at service level: write with an image, schedule, invisible until publish-due runs."""
    editor, gnc = world["editor"], world["gnc"]
    data = three_languages(gnc.id, tag_ids=[world["tags"]["culture"].id])
    article = news.save(editor, None, data, FakeUpload("park.jpg", image_bytes(1800, 1200)), now=NOW)
    assert article.status == "draft" and article.languages == ["az", "ru", "en"]
    assert article.cover_image.widths == "480,960,1600"
    article = news.transition(editor, article.id, "scheduled", publish_at=NOW + timedelta(hours=2), now=NOW)
    assert article.status == "scheduled"
    assert news.public_list("en", gnc).page.total == 0
    with pytest.raises(NotFound):
        news.public_article("en", article.id)

    assert news.publish_due(now=NOW + timedelta(hours=1)) == []
    assert news.public_list("en", gnc).page.total == 0
    assert news.publish_due(now=NOW + timedelta(hours=2, minutes=1)) == [article.id]
    # Idempotent: the second run finds nothing more to do.
    assert news.publish_due(now=NOW + timedelta(hours=2, minutes=2)) == []

    page = news.public_list("en", gnc)
    assert [i["title"] for i in page.page.items] == ["A new park opened"]
    item = news.public_article("ru", article.id)
    assert item["title"] == "Открылся новый парк" and not item["fallback"]
    assert item["published_at"] == NOW + timedelta(hours=2)
    assert "<strong>100</strong>" in item["body_html"]
    versions = db.session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id)
                                  .order_by(ArticleVersion.number)).all()
    assert [v.status for v in versions] == ["draft", "scheduled", "published"]
    assert versions[-1].changed_by_id is None and "status" in versions[-1].changed_list


def test_dangerous_markup_in_the_body_is_removed():
    html = news_render.render(
        "Salam\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n"
        "[click](javascript:alert(1)) <a href=\"javascript:alert(2)\">bad</a> <a href=\"JaVaScRiPt:alert(3)\">b2</a>\n\n"
        "<p onclick=\"steal()\">text</p> <iframe src=\"https://evil.example\"></iframe>\n\n# Title")
    lowered = html.lower()
    for bad in ("<script", "alert('x')", "onerror", "href=\"javascript", "onclick", "<iframe", "<img", "<h1"):
        assert bad not in lowered, bad
    # What markdown refused to make a link stays harmless text; no address carries the scheme.
    assert all("javascript" not in href for href in re.findall(r'href="([^"]*)"', lowered))
    assert "<h2>Title</h2>" in html and "<p>Salam</p>" in html


def test_a_body_link_keeps_a_safe_address():
    html = news_render.render("[portal](https://e-gov.az) and [mail](mailto:info@gnc.gov.az)")
    assert 'href="https://e-gov.az"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'href="mailto:info@gnc.gov.az"' in html


def test_the_cover_is_resized_and_its_metadata_stripped(world):
    article = news.save(world["editor"], None, three_languages(world["gnc"].id),
                        FakeUpload("photo.jpg", image_bytes(1000, 500)), now=NOW)
    image = article.cover_image
    assert image.width_list == [480, 960, 1000]
    for width in image.width_list:
        data = files.open_stored(f"{image.stored_name}-{width}.jpg").read_all()
        with Image.open(io.BytesIO(data)) as stored:
            assert stored.width == width and stored.format == "JPEG"
            assert not stored.getexif() and "exif" not in stored.info
        assert b"SecretCam" not in data


@pytest.mark.parametrize("upload, message", [
    (FakeUpload("notes.jpg", b"%PDF-1.4 not a picture"), "not a JPEG or PNG"),
    (FakeUpload("broken.jpg", b"\xff\xd8\xff" + b"\x00" * 100), "that can be read"),
    (FakeUpload("tiny.png", image_bytes(100, 80, "PNG")), "too small"),
    (FakeUpload("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024 + 10)), "larger than 8 MB"),
])
def test_a_bad_picture_is_refused_and_nothing_is_stored(world, app, upload, message):
    with pytest.raises(Invalid) as error:
        news.save(world["editor"], None, three_languages(world["gnc"].id), upload, now=NOW)
    assert message in error.value.errors["cover"]
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0
    assert db.session.scalar(select(func.count()).select_from(ArticleImage)) == 0
    assert not any(storage.current().directory.iterdir())


def test_a_picture_needs_its_description_in_each_language_the_article_is_written_in(world):
    data = three_languages(world["gnc"].id)
    data.texts["ru"].alt = ""
    data.texts["en"] = news.TextInput()  # English not written: no description needed
    with pytest.raises(Invalid) as error:
        news.save(world["editor"], None, data, FakeUpload("p.png", image_bytes(600, 400, "PNG")), now=NOW)
    assert set(error.value.errors) == {"alt_ru"}
    assert not any(storage.current().directory.iterdir())


def test_texts_are_required_in_azerbaijani_and_whole_in_other_languages(world):
    data = three_languages(world["gnc"].id)
    data.texts["az"] = news.TextInput()
    data.texts["ru"].body = ""
    with pytest.raises(Invalid) as error:
        news.save(world["editor"], None, data, now=NOW)
    assert {"title_az", "body_az", "body_ru"} <= set(error.value.errors)


def test_an_event_needs_a_start_and_a_place_and_cannot_end_before_it_starts(world):
    data = three_languages(world["gnc"].id, kind="event", starts_at=NOW + timedelta(days=2),
                           ends_at=NOW + timedelta(days=1), place="Mərkəzi park")
    with pytest.raises(Invalid) as error:
        news.save(world["editor"], None, data, now=NOW)
    assert error.value.errors == {"ends_at": "The event cannot end before it starts."}
    with pytest.raises(Invalid) as error:
        news.save(world["editor"], None, three_languages(world["gnc"].id, kind="event"), now=NOW)
    assert set(error.value.errors) == {"starts_at", "place"}


def test_a_schedule_in_the_past_is_refused_with_the_reason(world):
    article = news.save(world["editor"], None, three_languages(world["gnc"].id), now=NOW)
    with pytest.raises(Invalid) as error:
        news.transition(world["editor"], article.id, "scheduled", publish_at=NOW - timedelta(minutes=5), now=NOW)
    assert "in the past" in error.value.errors["publish_at"]
    assert db.session.get(Article, article.id).status == "draft"


def test_writers_write_for_their_district_only_and_publishing_needs_an_editor(world):
    official, editor, other = world["official"], world["editor"], world["other_editor"]
    article = news.save(official, None, three_languages(world["gnc"].id), now=NOW)
    # Another district's editor: the article does not exist for them.
    for action in (lambda: news.editable(other, article.id),
                   lambda: news.transition(other, article.id, "published", now=NOW),
                   lambda: news.save(other, article.id, three_languages(world["gnc"].id), now=NOW)):
        with pytest.raises(NotFound):
            action()
    # Writing for another district is refused as if it did not exist.
    with pytest.raises(NotFound):
        news.save(other, None, three_languages(world["gnc"].id), now=NOW)
    # An official writes and sends for review but does not publish.
    news.transition(official, article.id, "review", now=NOW)
    with pytest.raises(Invalid):
        news.transition(official, article.id, "published", now=NOW)
    news.transition(editor, article.id, "published", now=NOW)
    assert db.session.get(Article, article.id).status == "published"
    # A resident is no writer at all.
    with pytest.raises(NotFound):
        news.editable(world["resident"], article.id)


def test_national_articles_are_the_administrators(world):
    data = three_languages(None, national=True)
    with pytest.raises(NotFound):
        news.save(world["editor"], None, data, now=NOW)
    article = news.save(world["admin"], None, data, now=NOW)
    assert article.district_id is None
    news.transition(world["admin"], article.id, "published", now=NOW)
    assert [i["id"] for i in news.public_list("az").page.items] == [article.id]
    # The administrator does not publish for a district.
    district_article = news.save(world["editor"], None, three_languages(world["gnc"].id), now=NOW)
    with pytest.raises(NotFound):
        news.transition(world["admin"], district_article.id, "published", now=NOW)


def test_every_save_is_a_version_naming_what_changed(world):
    editor = world["editor"]
    article = news.save(editor, None, three_languages(world["gnc"].id), now=NOW)
    data = three_languages(world["gnc"].id, tag_ids=[world["tags"]["roads"].id])
    data.texts["en"].title = "A new park opened in Ganja"
    news.save(editor, article.id, data, now=NOW + timedelta(minutes=5))
    versions = news.versions(db.session.get(Article, article.id))
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].changed_list == ["tags", "title_en"]
    assert versions[0].changed_by.email == "editor@example.az"
    assert versions[0].snapshot["title_en"] == "A new park opened in Ganja"
    assert versions[1].snapshot["title_en"] == "A new park opened"
    assert news.describe_change("title_en") == "title (English)"


def test_a_missing_language_falls_back_to_azerbaijani(world):
    article = create_article(world["editor"], world["gnc"], langs=("az",))
    item = news.public_article("en", article.id)
    assert item["fallback"] and item["lang"] == "az" and item["title"] == "Yeni park açıldı"
    assert news.public_list("ru", world["gnc"]).page.items[0]["fallback"]


def test_unknown_tags_kinds_and_pages_give_empty_lists(world):
    create_article(world["editor"], world["gnc"], tags=[world["tags"]["roads"]])
    assert news.public_list("az", tag="no-such-tag").unknown_tag
    assert news.public_list("az", tag="no-such-tag").page.items == []
    assert news.public_list("az", tag="roads").page.total == 1
    assert news.public_list("az", tag="culture").page.total == 0
    assert news.public_list("az", kind="nonsense").page.total == 1
    assert news.public_list("az", page=99).page.items == []


def test_related_articles_share_tags_first(world):
    editor, gnc, tags = world["editor"], world["gnc"], world["tags"]
    main = create_article(editor, gnc, tags=[tags["roads"], tags["culture"]])
    both = create_article(editor, gnc, title="İkisi də", tags=[tags["roads"], tags["culture"]])
    one = create_article(editor, gnc, title="Biri", tags=[tags["roads"]])
    create_article(editor, gnc, title="Qaralama", status="draft", tags=[tags["roads"]])
    plain = create_article(editor, gnc, title="Teqsiz")
    related = [r["id"] for r in news.public_article("az", main.id)["related"]]
    assert related == [both.id, one.id, plain.id]


def test_archiving_removes_an_article_from_the_public_and_the_cache_follows(world, app):
    editor = world["editor"]
    article = create_article(editor, world["gnc"])
    assert news.public_list("az", world["gnc"]).page.total == 1  # now cached
    news.public_article("az", article.id)
    news.transition(editor, article.id, "archived", now=NOW)
    assert news.public_list("az", world["gnc"]).page.total == 0
    with pytest.raises(NotFound):
        news.public_article("az", article.id)


def test_the_cache_serves_until_a_commit_changes_what_it_read(world, app, count_queries):
    article = create_article(world["editor"], world["gnc"])
    news.public_list("az", world["gnc"])
    with count_queries() as q:
        assert news.public_list("az", world["gnc"]).page.total == 1
    assert q.count == 0
    # A commit to a table the list never read leaves it in the cache.
    db.session.add(Category(code="parks", name_az="Parklar", name_ru="Парки", name_en="Parks"))
    db.session.commit()
    db.session.refresh(world["gnc"])  # the commit expired the test's own district object
    with count_queries() as q:
        assert news.public_list("az", world["gnc"]).page.total == 1
    assert q.count == 0, q.statements
    # A change made behind the newsroom's back, with no signal sent, is seen at once: the commit wrote to the
    # articles, which the list read.
    db.session.get(Article, article.id).status = "archived"
    db.session.commit()
    assert news.public_list("az", world["gnc"]).page.total == 0


def test_publishing_sends_article_changed_after_the_commit(world):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender, db.session.get(Article, sender).status))

    article = news.save(world["editor"], None, three_languages(world["gnc"].id), now=NOW)
    with article_changed.connected_to(receiver):
        news.transition(world["editor"], article.id, "review", now=NOW)
        assert seen == []  # a draft going to review changes nothing public
        news.transition(world["editor"], article.id, "published", now=NOW)
        news.save(world["editor"], article.id, three_languages(world["gnc"].id, place="x"), now=NOW)
        news.transition(world["editor"], article.id, "archived", now=NOW)
    assert seen == [(article.id, "published"), (article.id, "published"), (article.id, "archived")]


def test_covers_of_unpublished_articles_are_private(world):
    article = news.save(world["editor"], None, three_languages(world["gnc"].id),
                        FakeUpload("p.jpg", image_bytes(600, 400)), now=NOW)
    image_id = article.cover_image_id
    with pytest.raises(NotFound):
        news.image_for(world["resident"], image_id, 480)
    with pytest.raises(NotFound):
        news.image_for(world["other_editor"], image_id, 480)
    assert news.image_for(world["editor"], image_id, 480)[1] is False
    news.transition(world["editor"], article.id, "published", now=NOW)
    assert news.image_for(None, image_id, 480)[1] is True
    with pytest.raises(NotFound):
        news.image_for(None, image_id, 123)


def test_events_in_a_month_and_their_calendar_file(world):
    start = datetime(2026, 12, 20, 11, 0, tzinfo=BAKU)
    event = create_article(world["editor"], world["gnc"], kind="event", title="Yeni il yarmarkası, Gəncə; meydan",
                           starts_at=start, ends_at=start + timedelta(hours=5), place="Heydər Əliyev meydanı")
    create_article(world["editor"], world["gnc"], kind="event", starts_at=datetime(2027, 1, 5, 10, tzinfo=BAKU),
                   place="Park")
    assert [i["id"] for i in news.events_in_month("az", 2026, 12)] == [event.id]
    assert news.events_in_month("az", 2026, 12, world["msl"]) == []
    text = news.ics(news.public_event(event.id), "az", "http://localhost/news/article/1")
    assert "DTSTART:20261220T070000Z" in text and "DTEND:20261220T120000Z" in text
    assert "SUMMARY:Yeni il yarmarkası\\, Gəncə\\; meydan" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert news.parse_month("2026-13", NOW.date()) == (2026, 12)
    assert news.parse_month("junk", NOW.date()) == (2026, 12)


def test_the_newsrooms_steps_are_audited(world):
    from app.models import AuditEntry

    editor = world["editor"]
    article = news.save(editor, None, three_languages(world["gnc"].id), now=NOW)
    news.transition(editor, article.id, "scheduled", publish_at=NOW + timedelta(hours=1), now=NOW)
    news.publish_due(now=NOW + timedelta(hours=2))
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["article.create", "article.schedule", "article.publish"]
    assert entries[0].actor_id == editor.id and entries[0].district_id == world["gnc"].id
    assert entries[0].object_id == str(article.id)
    assert entries[-1].actor_id is None and "publish-due" in entries[-1].summary


def test_publish_due_from_cron_records_its_run(app, runner):
    from app.models import CommandRun

    result = runner.invoke(args=["news", "publish-due"])
    assert result.exit_code == 0 and "Published 0 scheduled articles." in result.output
    with app.app_context():
        run = db.session.scalars(select(CommandRun)).one()
        assert run.name == "news publish-due" and run.outcome == "ok" and run.summary == "0 published"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="overlapping publish-due runs are tested on PostgreSQL (SQLite serialises writers)")
def test_overlapping_publish_due_runs_publish_each_article_once(app, world):
    import threading

    editor, gnc = world["editor"], world["gnc"]
    ids = [create_article(editor, gnc, status="scheduled", title=f"Xəbər {i}",
                          publish_at=NOW + timedelta(minutes=i)).id for i in range(5)]
    db.session.remove()
    barrier = threading.Barrier(6)
    published, errors = [], []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait()
                published.extend(news.publish_due(now=NOW + timedelta(hours=1)))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(published) == sorted(ids)
    assert db.session.scalar(select(func.count()).select_from(ArticleVersion)) == 5
