"""Initial schema: districts, departments, categories, users, role assignments, outbox.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _names(length: int) -> list[sa.Column]:
    return [sa.Column(f"name_{lang}", sa.String(length), nullable=False) for lang in ("az", "ru", "en")]


def _active() -> sa.Column:
    return sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)


def upgrade():
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(3), nullable=False),
        *_names(120),
        _active(),
        sa.CheckConstraint("length(code) = 3", name=op.f("ck_districts_code_length")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        *_names(200),
        _active(),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.UniqueConstraint("code", name=op.f("uq_categories_code")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("districts.id", name=op.f("fk_departments_district_id_districts")), nullable=False),
        *_names(200),
        _active(),
        sa.UniqueConstraint("district_id", "name_az", name="uq_departments_district_name"),
    )
    op.create_index(op.f("ix_departments_district_id"), "departments", ["district_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("locale", sa.String(2), server_default="az", nullable=False),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("districts.id", name=op.f("fk_users_district_id_districts")), nullable=True),
        sa.Column("confirmed_at", TS, nullable=True),
        _active(),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("privacy_accepted_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_login_at", TS, nullable=True),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lowercase")),
        sa.CheckConstraint("locale IN ('az', 'ru', 'en')", name=op.f("ck_users_locale_known")),
        sa.CheckConstraint("failed_logins >= 0", name=op.f("ck_users_failed_logins_positive")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_district_id"), "users", ["district_id"])
    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name=op.f("fk_role_assignments_user_id_users"), ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("districts.id", name=op.f("fk_role_assignments_district_id_districts")), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id", name=op.f("fk_role_assignments_department_id_departments")), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(
            "role IN ('official', 'head', 'editor', 'moderator', 'supervisor', 'admin')",
            name=op.f("ck_role_assignments_role_known"),
        ),
        sa.CheckConstraint(
            "(role IN ('official', 'head', 'editor', 'moderator') AND district_id IS NOT NULL)"
            " OR (role IN ('supervisor', 'admin') AND district_id IS NULL)",
            name=op.f("ck_role_assignments_scope_matches_role"),
        ),
        sa.UniqueConstraint("user_id", "role", "district_id", name="uq_role_assignments_scope"),
    )
    op.create_index(op.f("ix_role_assignments_user_id"), "role_assignments", ["user_id"])
    op.create_index(op.f("ix_role_assignments_district_id"), "role_assignments", ["district_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(80), nullable=False),
        sa.Column("locale", sa.String(2), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("status IN ('sent', 'logged', 'failed')", name=op.f("ck_outbox_status_known")),
    )
    op.create_index(op.f("ix_outbox_recipient"), "outbox", ["recipient"])
    op.create_index(op.f("ix_outbox_created_at"), "outbox", ["created_at"])


def downgrade():
    for table in ("outbox", "role_assignments", "users", "departments", "categories", "districts"):
        op.drop_table(table)
