"""Staff use cases that need more than one connection: two administrators removing themselves at once."""
from __future__ import annotations

import os
import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.administration import staff_service as staff
from app.extensions import db
from app.kit.errors import Invalid
from app.models import RoleAssignment, User
from tests.factories import create_reference_data, create_user


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="simultaneous removals are tested on PostgreSQL (SQLite serialises writers)")
@pytest.mark.parametrize("step", ["deactivate", "remove_role"])
def test_the_last_two_administrators_removing_themselves_at_once_leave_one(app, ctx, step):
    create_reference_data()
    admins = [create_user(f"admin{i}@example.az", roles=[("admin", None)]).id for i in range(2)]
    barrier = threading.Barrier(2)
    won, lost, errors = [], [], []

    def race(user_id: int) -> None:
        with app.test_request_context(), force_locale("en"):
            try:
                actor = db.session.get(User, user_id)
                role_id = actor.roles[0].id
                db.session.close()
                barrier.wait()
                actor = db.session.get(User, user_id)
                if step == "deactivate":
                    staff.set_active(actor, user_id, False)
                else:
                    staff.remove_role(actor, user_id, role_id)
                won.append(user_id)
            except Invalid as refused:
                lost.append(refused.errors)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race, args=(user_id,)) for user_id in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(won) == 1 and len(lost) == 1
    assert "last active administrator" in lost[0][None]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RoleAssignment).join(User).where(
        RoleAssignment.role == "admin", User.active.is_(True))) == 1
