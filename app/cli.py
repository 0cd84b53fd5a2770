"""The portal-wide commands, ``flask translate`` and ``flask seed-demo``, and the registration of every area's own
(``app/<area>/cli.py``: ``flask appeals``, ``flask news``, ``flask backup``, …; scheduled ones record their run)."""
from __future__ import annotations

import tempfile
from importlib import import_module
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.accountability import demo as cost_demo
from app.accountability import stats
from app.accounts import two_factor
from app.administration import seed
from app.appeals import demo
from app.commitments import service as commitments
from app.consultations import demo as consultation_demo
from app.drafts import demo as drafts_demo
from app.eservices import demo as eservice_seed
from app.models import LANGUAGES
from app.news import demo as news_demo
from app.news import subscriptions as news_subscriptions
from app.polls import demo as poll_demo
from app.proposals import demo as proposal_demo
from app.queue import demo as queue_demo
from app.ratings import demo as rating_demo

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
# pgettext/lazy_pgettext carry a message context (msgctxt) for an English word used in several senses
# ("Answers", "Place", "Active", "Name"): their first argument is the context, the second the message.
KEYWORDS = ["-k", "N_", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext",
            "-k", "pgettext:1c,2", "-k", "lazy_pgettext:1c,2"]

translate = AppGroup("translate", help="Extract, update and compile the translation catalogues.")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(pot: Path, locations: bool = False) -> None:
    """Extract every translatable string of the code and templates into ``pot``; ``locations`` keeps the files each
    one comes from (the tests use them; the catalogues are written without, so that moving a line changes nothing)."""
    _babel("extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, *(() if locations else ("--no-location",)),
           "--sort-output", "--omit-header", "-o", str(pot), str(ROOT))


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
    queue_demo.seed_demo()  # the front desk's queue: services, desks and past tickets of the demo districts
    rating_demo.seed_demo()  # the rated demo appeals' marks on the ASAN criteria
    drafts_demo.seed_demo()  # the started forms behind the online demo filings, and two open drafts
    cost_demo.seed_demo()  # the demo districts' yearly service costs (the cost per transaction)
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


def init_app(app: Flask) -> None:
    """Register the commands with the ``flask`` CLI: these, and each area's (its ``cli.commands``)."""
    app.cli.add_command(translate)
    app.cli.add_command(seed_demo)
    from app import AREAS

    for area in AREAS:
        try:
            module = import_module(f"app.{area}.cli")
        except ModuleNotFoundError as error:
            if error.name != f"app.{area}.cli":
                raise
            continue
        for command in module.commands:
            app.cli.add_command(command)
