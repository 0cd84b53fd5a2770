"""Migration 0021: the texts written before it keep their words, now in the Azerbaijani column, and back again."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.conftest import another_app

# Nothing here reads the suite's database: run once, in the SQLite run (tests/conftest.py).
pytestmark = pytest.mark.database_independent

BEFORE = "0020_notification_centre"
TARGET = "0021_texts_in_three_languages"


def test_existing_places_and_topics_move_to_the_azerbaijani_columns_and_back(tmp_path):
    # Its own SQLite file: the suite's schema stays at the head while this one walks down and up.
    with another_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'walk.sqlite'}"}) as app, \
            app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            # Bare rows, with no district, user or tag behind them: the foreign keys' checks, which the app's
            # connections make (app.extensions.enforce_foreign_keys), off on this one connection only.
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            conn.commit()
            conn.execute(text(
                "INSERT INTO reception_sessions (id, district_id, host_id, created_by_id, starts_at, ends_at, "
                "slot_minutes, seats_per_slot, place, topics, cutoff_hours, status, created_at) VALUES "
                "(1, 1, 1, 1, '2026-12-10 06:00:00', '2026-12-10 08:00:00', 20, 1, 'Qəbul otağı', 'Mənzil', 24, "
                "'scheduled', '2026-12-01 06:00:00')"))
            conn.execute(text(
                "INSERT INTO articles (id, kind, status, starts_at, place, author_id, created_at, updated_at) VALUES "
                "(1, 'event', 'draft', '2026-12-20 08:00:00', 'Meydan', 1, '2026-12-01 06:00:00', "
                "'2026-12-01 06:00:00')"))
            # A row that points at the article, deleted with it (ON DELETE CASCADE) were the checks on when the
            # way down copies the articles' table and drops the old one (migrations/env.py switches them off).
            conn.execute(text("INSERT INTO tags (id, slug, name_az) VALUES (1, 'meydan', 'Meydan')"))
            conn.execute(text("INSERT INTO article_tags (article_id, tag_id) VALUES (1, 1)"))
            conn.commit()
            conn.invalidate()
        upgrade(revision=TARGET)
        with db.engine.connect() as conn:
            session = conn.execute(text("SELECT place_az, place_ru, place_en, topics_az, topics_ru, topics_en "
                                        "FROM reception_sessions")).one()
            article = conn.execute(text("SELECT place_az, place_ru, place_en FROM articles")).one()
        assert tuple(session) == ("Qəbul otağı", None, None, "Mənzil", None, None)
        assert tuple(article) == ("Meydan", None, None)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE reception_sessions SET place_ru = 'Приёмная'"))
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert tuple(conn.execute(text("SELECT place, topics FROM reception_sessions")).one()) == (
                "Qəbul otağı", "Mənzil")
            assert conn.execute(text("SELECT place FROM articles")).scalar() == "Meydan"
            assert conn.execute(text("SELECT article_id, tag_id FROM article_tags")).all() == [(1, 1)]
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # the app's connections check them
            # The table kept its constraints through the way down.
            ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'reception_sessions'")).scalar()
        assert "ck_reception_sessions_slot_length" in ddl and "place_ru" not in ddl
        db.engine.dispose()
