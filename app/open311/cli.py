"""``flask open311 issue-key``, ``revoke-key`` and ``keys``: an operator's way to the Open311 keys, for a server
without an administrator at hand (the staff pages are ``/admin/open311/keys``)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.kit.errors import Invalid, NotFound
from app.open311 import keys

open311_cli = AppGroup("open311", help="Open311 API keys: issue, revoke, list.")


def _refusal(error: Invalid) -> click.ClickException:
    return click.ClickException(" ".join(f"{name}: {message}" if name else str(message)
                                         for name, message in error.errors.items()))


@open311_cli.command("issue-key")
@click.option("--district", "district_code", required=True, help="The district's three-letter code, such as GNC.")
@click.option("--name", required=True, help="Whom the key is for, such as the district's call centre.")
def issue_key(district_code: str, name: str) -> None:
    """Issue a key for one district's appeals and print it: it is shown this once and stored nowhere."""
    try:
        issued = keys.issue_by_operator(name, district_code)
    except Invalid as error:
        raise _refusal(error) from None
    click.echo(f"Key #{issued.key.id} for {issued.key.name} ({issued.key.district.code}); copy it now, it is not "
               "shown again:")
    click.echo(issued.secret)


@open311_cli.command("revoke-key")
@click.option("--id", "key_id", required=True, type=int, help="The key's number (flask open311 keys lists them).")
def revoke_key(key_id: int) -> None:
    """Revoke a key: it files nothing from now on."""
    try:
        key = keys.revoke_by_operator(key_id)
    except NotFound:
        raise click.ClickException(f"There is no key #{key_id}.") from None
    except Invalid as error:
        raise _refusal(error) from None
    click.echo(f"Key #{key.id} {key.prefix} ({key.name}) is revoked.")


@open311_cli.command("keys")
def list_keys() -> None:
    """List the keys: number, prefix, district, client, and whether each is revoked (never a key itself)."""
    for key in keys.all_keys():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "in use"
        click.echo(f"#{key.id}\t{key.prefix}\t{key.district.code}\t{key.name}\t{state}")


commands = (open311_cli,)
