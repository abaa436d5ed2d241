"""The `shopper` command: Flask's own commands (`shopper run`, `shopper shell`) plus ours."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import accounts, backup, create_app, demo
from .access import ROLES
from .checklist_format import ChecklistError, load_checklist_file
from .checklist_store import import_checklist
from .db import get_db


@click.command("import-checklist")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_checklist_command(file: Path):
    """Import a checklist TOML FILE (docs/checklist-format.md) as a new version."""
    try:
        checklist = load_checklist_file(file)
    except ChecklistError as err:
        raise click.ClickException(str(err)) from None
    version_id, number, created = import_checklist(get_db(), checklist, file.read_text("utf-8"))
    count = sum(len(tp.questions) for tp in checklist.touchpoints)
    if created:
        click.echo(f"Imported {checklist.name!r} as version {number} "
                   f"({len(checklist.touchpoints)} touchpoints, {count} questions).")
    else:
        click.echo(f"{checklist.name!r} is unchanged: still version {number}.")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--branch", "branches", multiple=True,
              help="Branch code a manager looks after (repeat for several).")
@click.password_option(help="Asked for if not given.")
def create_user_command(email, name, role, branches, password):
    """Create a user account."""
    try:
        accounts.create_user(get_db(), email=email, name=name, role=role, password=password,
                             method=current_app.config["PASSWORD_HASH_METHOD"],
                             branch_codes=branches)
    except accounts.AccountError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Created {role} {email}.")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo data set (safe to run again: nothing is duplicated)."""
    summary = demo.seed(get_db(), current_app.config["PASSWORD_HASH_METHOD"],
                        current_app.config["PHOTO_FOLDER"])
    click.echo(summary)


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest: Path):
    """Copy the live database (consistently, while the app runs) and photos into DEST."""
    try:
        copied = backup.backup(current_app.config["DATABASE"],
                               current_app.config["PHOTO_FOLDER"], dest)
    except backup.BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Backed up the database and {copied} photo file(s) to {dest}.")


def register_commands(app) -> None:
    for command in (import_checklist_command, create_user_command, demo_command,
                    backup_command):
        app.cli.add_command(command)


@click.group(cls=FlaskGroup, create_app=lambda: create_app())
def main():
    """Mystery Shopper: field visits, scorecards and head-office reports."""
