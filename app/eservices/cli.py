"""``flask services seed-catalogue``: the shipped e-service catalogue."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.eservices import demo as eservice_seed

services_cli = AppGroup("services", help="The e-service catalogue.")


@services_cli.command("seed-catalogue")
def services_seed_catalogue() -> None:
    """Add the services shipped in app/data/services.json that are missing (never changes edited ones)."""
    click.echo(f"Added {eservice_seed.seed_catalogue()} services to the catalogue.")


commands = (services_cli,)
