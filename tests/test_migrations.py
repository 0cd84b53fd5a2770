"""The schema: one migration head, and models that agree with the migrations."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Article, RoleAssignment, Tag, User, article_tags, utcnow
from app.models.search_index import include_name
from tests.factories import create_user


def test_there_is_exactly_one_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_migration_files_are_numbered(app):
    versions = Path(app.extensions["migrate"].directory) / "versions"
    names = sorted(p.name for p in versions.glob("*.py"))
    assert names and all(name[:4].isdigit() and name[4] == "_" for name in names), names


def test_models_agree_with_migrations(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_database_enforces_lowercase_unique_emails(app):
    with app.app_context():
        db.session.add(User(email="Mixed@Example.az", full_name="X", password_hash="x", created_at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_database_enforces_role_scope(app):
    with app.app_context():
        user = create_user()
        db.session.add(RoleAssignment(user_id=user.id, role="official", district_id=None))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_database_enforces_foreign_keys_and_their_delete_rules(app):
    """SQLite as PostgreSQL (app.extensions.enforce_foreign_keys): a row pointing at nothing is refused and nothing
    of it is written; a row deleted takes with it the rows its ``ON DELETE CASCADE`` names."""
    with app.app_context():
        user = create_user()
        db.session.add(RoleAssignment(user_id=user.id + 1000, role="resident", district_id=None))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(RoleAssignment)
                                 .where(RoleAssignment.user_id == user.id + 1000)) == 0
        tag = Tag(slug="yol", name_az="Yol")
        article = Article(kind="news", status="draft", author_id=user.id, created_at=utcnow(), updated_at=utcnow())
        article.tags.append(tag)
        db.session.add(article)
        db.session.commit()
        links = select(func.count()).select_from(article_tags)
        assert db.session.scalar(links) == 1
        db.session.execute(delete(Article).where(Article.id == article.id))
        db.session.commit()
        assert db.session.scalar(links) == 0
