"""The operator's commands: ``flask seed-reference``, ``flask create-admin``, ``flask create-staff``,
``flask audit verify``, ``flask outbox deliver``, ``flask backup create|restore`` (``backups_cli.py``) and
``flask profile-page`` (``profiling.py``)."""
from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from app.accounts.passwords import password_problem
from app.accounts.service import find_by_email
from app.administration import seed
from app.administration.backups_cli import backup_cli
from app.administration.profiling import profile_page_command
from app.eservices import demo as eservice_seed
from app.extensions import db
from app.kit import audit, mail
from app.models import DISTRICT_ROLES, AuditEntry, District


@click.command("seed-reference")
@with_appcontext
def seed_reference() -> None:
    """Load the shipped districts, departments, appeal categories and e-service catalogue (idempotent, no accounts).

    Allowed in production: this is what turns an empty, migrated database into a portal where residents can
    file. Rows already present are left as administrators made them, so it is safe to run again (and after an
    interruption: each part commits on its own).
    """
    with click.progressbar(seed.read_districts(), label="Reference data", show_pos=True) as districts:
        added = seed.seed_reference_data(progress=lambda _rows: districts)
    services_added = eservice_seed.seed_catalogue()
    click.echo(f"Reference data: {added['districts']} new districts, {added['departments']} new departments, "
               f"{added['categories']} new categories, {services_added} new e-services.")


def _account_with_role(email: str, full_name: str, password: str, role: str, district: str | None) -> None:
    """Create a confirmed account with ``role`` (in ``district``), or add the role to an existing account; audited."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.ClickException(f"Not a valid email address: {error}") from None
    problem = password_problem(password, email)
    if problem and find_by_email(email) is None:
        raise click.ClickException(problem)
    user, created = seed.ensure_user(email, full_name, password, [(role, district)])
    where = f" of {district}" if district else ""
    audit.record("user.role", actor=None, obj=user, summary=f"{user.email} made {role}{where} by flask create-{'admin' if role == 'admin' else 'staff'}",
                 after={"roles": sorted(user.role_names)})
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} {role}{where} {user.email}.")


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", "full_name", prompt="Full name", help="The administrator's full name.")
@click.password_option(help="The password (asked twice when not given).")
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account, or give an existing account the admin role."""
    _account_with_role(email, full_name, password, "admin", None)


@click.command("create-staff")
@with_appcontext
@click.option("--email", prompt=True, help="The staff member's email address.")
@click.option("--name", "full_name", prompt="Full name", help="The staff member's full name.")
@click.option("--role", type=click.Choice(DISTRICT_ROLES), required=True, help="The role in the district.")
@click.option("--district", "code", required=True, help="The district's code, e.g. GNC.")
@click.password_option(help="The password (asked twice when not given).")
def create_staff(email: str, full_name: str, role: str, code: str, password: str) -> None:
    """Create a district's staff account (or add the role to an existing account): the first official or head
    of a district before anyone can invite them from the administration pages."""
    code = code.strip().upper()
    if db.session.scalar(select(District.id).where(District.code == code)) is None:
        raise click.ClickException(f"No district with the code {code}; run flask seed-reference first.")
    _account_with_role(email, full_name, password, role, code)


audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Walk the audit chain and name the first entry that was changed, removed or inserted out of order."""
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with click.progressbar(length=total, label="Audit entries", show_pos=True) as bar:
        result = audit.verify(step=bar.update)
    if result.problem:
        click.echo(f"BROKEN after {result.checked} intact entries: {result.problem.message}.")
        raise SystemExit(1)
    click.echo(f"OK: {result.checked} entries, chain intact; last #{result.last_id} hash {result.last_hash or '-'}.")


outbox_cli = AppGroup("outbox", help="The email outbox (the worker delivers it; this is for an operator).")


@outbox_cli.command("deliver")
def outbox_deliver() -> None:
    """Deliver every message due now, here, without the worker (safe to interrupt and rerun)."""
    due = mail.sweep()
    outcomes: dict[str, int] = {}
    with click.progressbar(due, label="Messages", show_pos=True) as bar:
        for message_id in bar:
            outcome = mail.deliver(message_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    click.echo(f"{len(due)} messages due: " + (", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) or "nothing to do") + ".")


commands = (seed_reference, create_admin, create_staff, audit_cli, outbox_cli, backup_cli, profile_page_command)
