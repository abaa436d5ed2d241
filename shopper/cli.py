"""The `shopper` command: Flask's own commands (`shopper run`, `shopper shell`) plus ours."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from shopper import create_app
from shopper.domain.checklist_format import ChecklistError, load_checklist_file
from shopper.domain.vocabulary import ROLES
from shopper.store import accounts
from shopper.store.checklists import import_checklist
from shopper.web.db import get_db
from shopper.workflows import backup, demo, follow_ups, mail, payments, photo_retention


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
                        current_app.config["PHOTO_FOLDER"],
                        mail_settings=mail.MailSettings.from_config(current_app.config))
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


@click.command("clean-photos")
@with_appcontext
@click.option("--older-than", type=click.IntRange(min=0), default=60, show_default=True,
              metavar="MINUTES", help="Leave files written in the last MINUTES: an upload in "
              "progress writes its files before its row (0 only with the app stopped).")
@click.option("--dry-run", is_flag=True, help="List the orphaned files; delete nothing.")
def clean_photos_command(older_than: int, dry_run: bool):
    """Delete photo files that no photo row names (left by uploads that never committed)."""
    _log_to_stderr()
    result = photo_retention.clean_orphans(get_db(), current_app.config["PHOTO_FOLDER"],
                                           older_than=timedelta(minutes=older_than),
                                           dry_run=dry_run)
    if dry_run:
        for orphan in result.orphans:
            click.echo(f"{orphan.name} ({orphan.size:,} bytes)")
        size = sum(orphan.size for orphan in result.orphans)
        click.echo(f"Would remove {len(result.orphans)} orphaned photo file(s) ({size:,} "
                   "bytes); nothing deleted (dry run).")
    else:
        click.echo(f"Removed {result.removed_files} orphaned photo file(s) "
                   f"({result.removed_bytes:,} bytes).")


@click.command("expire-photos")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="List what would expire; change nothing.")
def expire_photos_command(dry_run: bool):
    """Delete the photos of visits dated more than PHOTO_RETENTION_DAYS days ago; the rows
    stay, marked, so that scorecards say the photo was removed."""
    _log_to_stderr()
    try:
        days = photo_retention.retention_days(current_app.config["PHOTO_RETENTION_DAYS"])
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    if days is None:
        click.echo("Photo retention is off (PHOTO_RETENTION_DAYS is not set): "
                   "no photo deleted.")
        return
    result = photo_retention.expire_photos(get_db(), current_app.config["PHOTO_FOLDER"],
                                           days=days, today=datetime.now(UTC).date(),
                                           dry_run=dry_run)
    what = (f"{len(result.photos)} photo(s) of {result.visits} visit(s) dated before "
            f"{result.cutoff.isoformat()} (retention {days} days)")
    if dry_run:
        by_visit = Counter((p["visit_date"], p["visit_uuid"]) for p in result.photos)
        for (visit_date, visit_uuid), count in sorted(by_visit.items()):
            click.echo(f"{visit_date} visit {visit_uuid}: {count} photo(s)")
        click.echo(f"Would expire {what}; nothing deleted (dry run).")
    else:
        click.echo(f"Expired {what}: removed {result.removed_files} file(s) "
                   f"({result.removed_bytes:,} bytes).")


@click.command("close-follow-ups")
@with_appcontext
def close_follow_ups_command():
    """Count follow-up questions that closed unanswered (not met, or N/A where the checklist
    says) and rescore their visits. Run daily, e.g. from cron; a scorecard opened before
    does it for its own visit."""
    changed = follow_ups.settle(get_db())
    click.echo(f"Rescored {changed} visit(s) whose follow-up questions closed unanswered.")


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send the mail waiting in the outbox (by SMTP, or as .eml files in the instance's
    mail/ with no MAIL_SERVER); failures are tried again later. From DIGEST_HOUR on, first
    write the day's digests and reminders (once a day, however often it runs). Run it every
    minute, e.g. from cron or a systemd timer (docs/mail.md)."""
    settings = mail.MailSettings.from_config(current_app.config)
    now = datetime.now(UTC)
    day = mail.local_day(settings, now)
    if day is not None:
        written = mail.queue_daily(get_db(), settings, day, now)
        if written:
            click.echo(f"Wrote {written} digest(s) and reminder(s) for {day}.")
    result = mail.send_waiting(get_db(), settings, now)
    where = (f"to {settings.server}" if settings.server
             else f"as .eml files in {settings.folder}")
    click.echo(f"Sent {result.sent} message(s) {where}; {result.retrying} will be retried; "
               f"{result.gave_up} given up.")


def _log_to_stderr() -> None:
    """Let the app's log lines at INFO through (Flask's handler writes them to stderr),
    unless logging has been set up already."""
    logger = current_app.logger
    if logger.level == logging.NOTSET and logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)


@click.command("payments")
@click.option("--month", required=True, help="The month whose approved lines to export, YYYY-MM.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV file to write.")
@with_appcontext
def payments_command(month: str, out: Path):
    """Export a month's approved payable lines as CSV for a bank or payroll upload."""
    try:
        chunks = payments.month_csv(get_db(), payments.check_month(month))
    except payments.PaymentError as err:
        raise click.BadParameter(str(err), param_hint="--month") from None
    rows = -1  # the header
    with out.open("w", encoding="utf-8", newline="") as fh:
        for chunk in chunks:
            fh.write(chunk)
            rows += chunk.count("\n")
    click.echo(f"Wrote {rows} approved line(s) of {month} to {out}.")


def register_commands(app) -> None:
    for command in (import_checklist_command, create_user_command, demo_command,
                    backup_command, clean_photos_command, expire_photos_command,
                    close_follow_ups_command, send_mail_command, payments_command):
        app.cli.add_command(command)


@click.group(cls=FlaskGroup, create_app=lambda: create_app())
def main():
    """Mystery Shopper: field visits, scorecards and head-office reports."""
