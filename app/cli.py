"""Command-line commands: ``flask seed-demo``, ``flask create-admin``, ``flask translate``, ``flask audit verify``,
and the scheduled ones (each records its run with ``ops.command_run``)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from app.extensions import db
from app.models import DISTRICT_ROLES, LANGUAGES, AppealEvent, AuditEntry, District
from app.services import (
    audit,
    commitments,
    consultation_demo,
    demo,
    eservice_seed,
    mail,
    news_demo,
    news_subscriptions,
    poll_demo,
    proposal_demo,
    proposals,
    scheduled,
    seed,
    stats,
    two_factor,
)
from app.services.accounts import find_by_email
from app.services.passwords import password_problem

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
KEYWORDS = ["-k", "N_", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext"]

translate = AppGroup("translate", help="Extract, update and compile the translation catalogues.")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(pot: Path) -> None:
    """Extract every translatable string of the code and templates into ``pot``."""
    _babel("extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, "--no-location", "--sort-output",
           "--omit-header", "-o", str(pot), str(ROOT))


def fill_english(path: Path) -> int:
    """English is the source language: copy each empty English entry's msgid into its msgstr."""
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        if message.fuzzy:
            message.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
    return filled


@translate.command("update")
def translate_update() -> None:
    """Extract the strings and merge them into the az, ru and en catalogues."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract(pot)
        for lang in LANGUAGES:
            po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
            if po.exists():
                _babel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", lang, "--no-fuzzy-matching", "-w", "100")
            else:
                _babel("init", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", lang, "-w", "100")
    filled = fill_english(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    click.echo(f"Catalogues updated; {filled} English entries filled from the source. "
               "Translate the empty az and ru entries, then run 'flask translate compile'.")


@translate.command("compile")
def translate_compile() -> None:
    """Compile the catalogues into .mo files (run by make run / make test)."""
    compile_catalogues()
    click.echo(f"Compiled {len(LANGUAGES)} catalogues.")


def compile_catalogues() -> None:
    """Compile every catalogue under translations/ into its .mo file."""
    _babel("compile", "-d", str(TRANSLATIONS), "--statistics")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the districts, departments, categories and the demo accounts (idempotent)."""
    if not current_app.config["ALLOW_DEMO_SEED"]:
        raise click.ClickException("seed-demo is refused in production: it creates accounts with a published password.")

    def bar(items, label):
        items = list(items)
        return click.progressbar(items, label=label, show_pos=True)

    with bar(seed.read_districts(), "Reference data") as districts:
        added = seed.seed_reference_data(progress=lambda _rows: districts)
    with bar(seed.DEMO_USERS, "Demo accounts ") as users:
        created = seed.seed_demo_users(progress=lambda _rows: users)
    two_factor.seed_demo()  # the demo administrator and supervisor sign in with a published TOTP secret
    with bar(range(demo.DEMO_APPEALS), "Demo appeals  ") as rows:
        appeals_created = demo.seed_demo_appeals(demo.DEMO_APPEALS, progress=lambda _rows: rows)
    sessions_created = demo.seed_demo_receptions()
    commitments_created = commitments.seed_demo()
    services_created = eservice_seed.seed_catalogue()
    applications_created = eservice_seed.seed_demo_applications(*demo.demo_service_people())
    with bar(news_demo.DEMO_ARTICLES, "Demo news     ") as articles:
        articles_created = news_demo.seed_demo_news(progress=lambda _rows: articles)
    consultations_created = consultation_demo.seed_demo_consultations()
    polls_created = poll_demo.seed_demo()
    proposals_created = proposal_demo.seed_demo()
    news_subscriptions.seed_demo()
    # The demo rows are built directly, not step by step: compute their accountability figures once.
    stats.rebuild()
    click.echo(
        f"Seeded: {added['districts']} new districts, {added['departments']} new departments, "
        f"{added['categories']} new categories, {created} new demo accounts, "
        f"{appeals_created} new demo appeals, {sessions_created} new reception days, "
        f"{commitments_created} new commitments, {services_created} new e-services, {applications_created} new e-service applications, "
        f"{articles_created} new news articles, {consultations_created} new consultations, {polls_created} new polls, {proposals_created} new proposals (password {seed.DEMO_PASSWORD})."
    )


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
    audit.record("user.role", obj=user, summary=f"{user.email} made {role}{where} by flask create-{'admin' if role == 'admin' else 'staff'}",
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


appeals_cli = AppGroup("appeals", help="Scheduled work on appeals (run from cron).")


@appeals_cli.command("escalate")
def appeals_escalate() -> None:
    """Flag overdue appeals and tell the assignee and the head (idempotent)."""
    click.echo(f"Escalated {scheduled.escalate_appeals()} overdue appeals.")


@appeals_cli.command("autoclose")
def appeals_autoclose() -> None:
    """Close answered appeals not disputed within 10 working days of the answer."""
    click.echo(f"Closed {scheduled.autoclose_appeals()} answered appeals.")


stats_cli = AppGroup("stats", help="Accountability figures.")


@stats_cli.command("rebuild")
def stats_rebuild() -> None:
    """Recompute every accountability rollup from the appeals' timelines (safe to interrupt and rerun)."""
    total = db.session.scalar(select(func.count()).select_from(AppealEvent))
    with click.progressbar(length=total, label="Timeline steps", show_pos=True) as bar:
        def progress(rows):
            for row in rows:
                bar.update(1)
                yield row
        rows = stats.rebuild(progress=progress)
    click.echo(f"Rebuilt {rows} rollup rows from {total} timeline steps.")


services_cli = AppGroup("services", help="The e-service catalogue.")


@services_cli.command("seed-catalogue")
def services_seed_catalogue() -> None:
    """Add the services shipped in app/data/services.json that are missing (never changes edited ones)."""
    click.echo(f"Added {eservice_seed.seed_catalogue()} services to the catalogue.")


reception_cli = AppGroup("reception", help="Scheduled work on reception bookings (run from cron).")


@reception_cli.command("remind")
def reception_remind() -> None:
    """Remind residents booked for the next working day (each booking once; idempotent)."""
    click.echo(f"Reminded {scheduled.remind_receptions()} booked residents.")


news_cli = AppGroup("news", help="Scheduled work on news articles (run from cron).")


@news_cli.command("publish-due")
def news_publish_due() -> None:
    """Publish the scheduled articles whose time has come (idempotent; safe every minute)."""
    click.echo(f"Published {scheduled.publish_due_news()} scheduled articles.")


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


proposals_cli = AppGroup("proposals", help="Scheduled work on citizen proposals (run from cron).")


@proposals_cli.command("expire")
def proposals_expire() -> None:
    """Close published proposals whose support period ended below the threshold (idempotent, safe to interrupt)."""

    def progress(items):
        with click.progressbar(items, label="Proposals past their period", show_pos=True) as bar:
            yield from bar

    closed, due = scheduled.expire_proposals(progress)
    click.echo(f"Closed {closed} of {due} proposals whose support period ended below the threshold.")


@proposals_cli.command("clean-pictures")
def proposals_clean_pictures() -> None:
    """Re-encode proposal pictures stored before uploads were cleaned, without their location and camera
    (resumable: a rerun skips what is clean already)."""
    cleaned = 0
    with click.progressbar(proposals.pictures_to_clean(), label="Proposal pictures", show_pos=True) as bar:
        for proposal_id in bar:
            cleaned += proposals.clean_picture(proposal_id)
    click.echo(f"Cleaned {cleaned} proposal pictures of their metadata; the others were clean already.")


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


def init_app(app: Flask) -> None:
    """Register the commands with the ``flask`` CLI."""
    app.cli.add_command(translate)
    app.cli.add_command(appeals_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(reception_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(services_cli)
    app.cli.add_command(news_cli)
    app.cli.add_command(proposals_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_reference)
    app.cli.add_command(create_admin)
    app.cli.add_command(create_staff)
    from app.backups_cli import backup_cli
    app.cli.add_command(backup_cli)
    # Last: the news feeds' commands join the newsroom's "flask news" group.
    from app.newsfeeds.cli import attach

    attach(app)
