"""Open appeals counted per district, category and deadline, kept by the database (issue 20).

"Overdue now" on the accountability pages counted the open appeals past their deadline one by one (225,000 of the
benchmark's million, 23 ms on PostgreSQL, growing with the backlog). ``open_deadlines`` holds, per district,
category and deadline, how many open appeals fall due then; the pages add up the rows due before now (a few
thousand at most: 20 districts × the categories × the working days of the open appeals' deadlines).

Triggers on ``appeals`` keep the rows as appeals are filed, move between statuses, districts and categories, get a
new deadline or are deleted: every write path moves them (the services, the front desk, Open311, bulk loads, a fix
made by hand in SQL), so none can forget to. A row whose count falls to 0 is deleted, so the table does not grow
with the years. The statuses are the model's ``OPEN_STATUSES`` (a migration keeps its own copy: a new open status
needs a migration of these triggers). A later migration that rebuilds ``appeals`` on SQLite
(``batch_alter_table`` with a copy) drops these triggers and must create them again (as for 0024's).

On PostgreSQL one function serves the three events; when an appeal moves from one row to another, the two rows are
changed in the order of their keys, so that two transactions moving appeals between the same two rows cannot wait
for each other (a deadlock).

Revision ID: 0032_open_deadlines
Revises: 0031_fast_pages
"""
import sqlalchemy as sa
from alembic import op

revision = '0032_open_deadlines'
down_revision = '0031_fast_pages'
branch_labels = None
depends_on = None

OPEN_STATUSES = ("submitted", "registered", "in_progress", "info_requested", "reopened")
OPEN_LIST = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
TRACKED = "status, district_id, category_id, due_at"

FILL = ("INSERT INTO open_deadlines (district_id, category_id, due_at, open_count) "
        f"SELECT district_id, category_id, due_at, count(*) FROM appeals WHERE status IN ({OPEN_LIST}) "
        "GROUP BY district_id, category_id, due_at")

PG_FUNCTION = f"""
CREATE FUNCTION open_deadlines_add(d integer, c integer, due timestamptz, step integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF step > 0 THEN
        INSERT INTO open_deadlines (district_id, category_id, due_at, open_count) VALUES (d, c, due, step)
        ON CONFLICT (district_id, category_id, due_at) DO UPDATE SET open_count = open_deadlines.open_count + step;
    ELSE
        UPDATE open_deadlines SET open_count = open_count + step
        WHERE district_id = d AND category_id = c AND due_at = due;
        DELETE FROM open_deadlines WHERE district_id = d AND category_id = c AND due_at = due AND open_count <= 0;
    END IF;
END $$;

CREATE FUNCTION appeals_open_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_open boolean := TG_OP <> 'INSERT' AND OLD.status IN ({OPEN_LIST});
    is_open boolean := TG_OP <> 'DELETE' AND NEW.status IN ({OPEN_LIST});
BEGIN
    IF was_open AND is_open AND (OLD.district_id, OLD.category_id, OLD.due_at)
                                 = (NEW.district_id, NEW.category_id, NEW.due_at) THEN
        RETURN NULL;
    END IF;
    IF was_open AND is_open AND (NEW.district_id, NEW.category_id, NEW.due_at)
                                 < (OLD.district_id, OLD.category_id, OLD.due_at) THEN
        PERFORM open_deadlines_add(NEW.district_id, NEW.category_id, NEW.due_at, 1);
        PERFORM open_deadlines_add(OLD.district_id, OLD.category_id, OLD.due_at, -1);
        RETURN NULL;
    END IF;
    IF was_open THEN
        PERFORM open_deadlines_add(OLD.district_id, OLD.category_id, OLD.due_at, -1);
    END IF;
    IF is_open THEN
        PERFORM open_deadlines_add(NEW.district_id, NEW.category_id, NEW.due_at, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER appeals_open_deadlines AFTER INSERT OR DELETE OR UPDATE OF {TRACKED} ON appeals
FOR EACH ROW EXECUTE FUNCTION appeals_open_deadlines();
"""

KEY_OLD = "district_id = OLD.district_id AND category_id = OLD.category_id AND due_at = OLD.due_at"
SQLITE_ADD_NEW = ("INSERT INTO open_deadlines (district_id, category_id, due_at, open_count) "
                  f"SELECT NEW.district_id, NEW.category_id, NEW.due_at, 1 WHERE NEW.status IN ({OPEN_LIST}) "
                  "ON CONFLICT (district_id, category_id, due_at) DO UPDATE SET open_count = open_count + 1;")
SQLITE_TAKE_OLD = (f"UPDATE open_deadlines SET open_count = open_count - 1 WHERE OLD.status IN ({OPEN_LIST}) "
                   f"AND {KEY_OLD}; DELETE FROM open_deadlines WHERE {KEY_OLD} AND open_count <= 0;")
# An update that leaves an open appeal open in the same row changes nothing.
SQLITE_MOVED = (f"NOT (OLD.status IN ({OPEN_LIST}) AND NEW.status IN ({OPEN_LIST}) AND "
                "OLD.district_id = NEW.district_id AND OLD.category_id = NEW.category_id AND OLD.due_at = NEW.due_at)")
SQLITE_TRIGGERS = {
    "appeals_open_deadlines_insert": f"AFTER INSERT ON appeals BEGIN {SQLITE_ADD_NEW} END",
    "appeals_open_deadlines_delete": f"AFTER DELETE ON appeals BEGIN {SQLITE_TAKE_OLD} END",
    "appeals_open_deadlines_update": f"AFTER UPDATE OF {TRACKED} ON appeals WHEN {SQLITE_MOVED} "
                                     f"BEGIN {SQLITE_TAKE_OLD} {SQLITE_ADD_NEW} END",
}


def upgrade():
    op.create_table('open_deadlines',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('open_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_open_deadlines_category_id_categories')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_open_deadlines_district_id_districts')),
    sa.PrimaryKeyConstraint('district_id', 'category_id', 'due_at', name=op.f('pk_open_deadlines'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    # The appeals open today, counted once; the triggers keep the count from here on.
    op.execute(FILL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS appeals_open_deadlines ON appeals")
        op.execute("DROP FUNCTION IF EXISTS appeals_open_deadlines()")
        op.execute("DROP FUNCTION IF EXISTS open_deadlines_add(integer, integer, timestamptz, integer)")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('open_deadlines')
