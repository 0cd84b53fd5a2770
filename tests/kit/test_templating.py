"""The templates' quicker translations and addresses (app/kit/templating.py) give what Flask-Babel and Flask give."""
from __future__ import annotations

from flask import render_template_string, url_for
from flask_babel import force_locale, gettext

TEMPLATE = "{{ _('Search') }}|{{ pgettext('rating criterion', 'Outcome') }}"


def test_each_request_and_each_forced_language_gets_its_own_catalogue(app):
    for lang in ("az", "ru", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            shown = render_template_string(TEMPLATE)
            assert shown.split("|")[0] == gettext("Search")
            # An email in its recipient's language, inside a request in another: the template follows the switch
            # and comes back afterwards.
            other = "ru" if lang != "ru" else "en"
            with force_locale(other):
                inside = render_template_string(TEMPLATE)
                assert inside.split("|")[0] == gettext("Search")
            assert render_template_string(TEMPLATE) == shown
            assert inside != shown


def test_addresses_are_the_ones_flask_builds(app):
    with app.test_request_context("/"):
        template = ("{{ url_for('news.article', article_id=1) }} {{ url_for('news.article', article_id=2) }} "
                    "{{ url_for('news.index', page=1) }} {{ url_for('news.index', page=True) }} "
                    "{{ url_for('main.about', _anchor='x') }} {{ url_for('static', filename='css/site.css') }}")
        expected = " ".join([url_for("news.article", article_id=1), url_for("news.article", article_id=2),
                             url_for("news.index", page=1), url_for("news.index", page=True),
                             url_for("main.about", _anchor="x"), url_for("static", filename="css/site.css")])
        for _ in range(2):  # built, then remembered
            assert render_template_string(template) == expected
    with app.test_request_context("/", base_url="http://localhost/portal"):
        # Under another prefix (a portal mounted below a path), the remembered address is not reused.
        assert render_template_string("{{ url_for('main.about') }}") == "/portal/about"


def test_whole_numbers_are_written_as_babel_writes_them_in_each_language(app):
    from flask_babel import format_decimal

    from app.kit.i18n import fmt_number

    numbers = [0, 7, -3, 999, 1000, 1234, 12345, 123456, 1234567, 10**9 + 7]
    for lang in ("az", "ru", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for _ in range(2):  # written, then remembered
                assert [fmt_number(n) for n in numbers] == [format_decimal(n) for n in numbers]
            assert fmt_number(1234.5) == format_decimal(1234.5) and fmt_number(None) == ""
    with app.test_request_context("/?lang=en"):
        english = fmt_number(1234567)
    with app.test_request_context("/?lang=ru"):
        assert fmt_number(1234567) != english  # each language its own entry


def test_the_frames_navigation_is_drawn_once_per_language_and_page_and_marks_where_you_are(app, client, monkeypatch):
    frame_part = app.jinja_env.globals["frame_part"]
    with app.test_request_context("/polls/?lang=ru"):
        first = frame_part("components/nav_areas.html", "/polls/")
        assert frame_part("components/nav_areas.html", "/polls/") is first  # kept, not drawn again
        assert 'href="/polls/" aria-current="page">Опросы<' in first
    with app.test_request_context("/polls/?lang=en"):
        assert frame_part("components/nav_areas.html", "/polls/") is not first
    with app.test_request_context("/", base_url="http://localhost/portal"):
        assert 'href="/portal/polls/"' in frame_part("components/nav_areas.html", "/")
    # Through the pages: each page marks its own area, in its own language, whatever was drawn before.
    polls = client.get("/polls/?lang=en").get_data(as_text=True)
    news = client.get("/news/?lang=en").get_data(as_text=True)
    assert 'href="/polls/" aria-current="page">Polls<' in polls and 'href="/news/">News<' in polls
    assert 'href="/news/" aria-current="page">News<' in news and 'href="/polls/">Polls<' in news
    assert '<a href="/privacy">Privacy notice</a>' in news
    assert '<a href="/privacy">Уведомление о конфиденциальности</a>' in client.get("/news/?lang=ru").get_data(as_text=True)
    # A made-up address (no route) gets its part drawn, not kept.
    with app.test_request_context("/no/such/page?lang=az"):
        assert frame_part("components/nav_areas.html", "/no/such/page") is not \
            frame_part("components/nav_areas.html", "/no/such/page")
    # Bounded: past the limit the least recently used part goes.
    monkeypatch.setattr("app.kit.templating.MAX_FRAME_PARTS", 2)
    with app.test_request_context("/polls/?lang=az"):
        kept = frame_part("components/nav_areas.html", "/a")
        frame_part("components/nav_areas.html", "/b")
        frame_part("components/nav_areas.html", "/c")
        assert frame_part("components/nav_areas.html", "/a") is not kept
