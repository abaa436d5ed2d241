"""Configuration in one place: defaults, then instance/config.py, then SHOPPER_* variables.

The instance folder (database, photos, secret key, local config) is SHOPPER_INSTANCE_PATH,
or instance/ in the project folder.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from shopper.domain.visit_timing import check_zone

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "DATABASE_NAME": "shopper.sqlite3",
    "PHOTO_FOLDER_NAME": "photos",
    # Werkzeug hash method: scrypt at OWASP's minimum (N=2^17, r=8, p=1).
    "PASSWORD_HASH_METHOD": "scrypt:131072:8:1",
    # Request limits: a whole request (a photo upload is the largest), the number of
    # form fields (the checklist editor posts about ten per question), and the text
    # held in memory for a form's non-file fields.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_PARTS": 5000,
    "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    # "Keep me signed in on this phone": the session outlives closing the browser for this
    # long (signing out or changing the password still ends it at once). Its cookie is set
    # at sign-in only, not again on every response (no Set-Cookie on every static file).
    "PERMANENT_SESSION_LIFETIME": 30 * 24 * 60 * 60,
    "SESSION_REFRESH_EACH_REQUEST": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # Cookies are sent over HTTPS only. Local development over plain HTTP turns this off
    # (scripts/start sets SHOPPER_SECURE_COOKIES=false).
    "SECURE_COOKIES": True,
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host
    # (1 behind nginx or Caddy). 0 trusts no such header.
    "TRUSTED_PROXIES": 0,
    # Login throttling, counted in the database so every worker process agrees.
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
    # Photos older than this many days are deleted by `shopper expire-photos`;
    # None keeps them for ever.
    "PHOTO_RETENTION_DAYS": None,
    # A page opened in the field may be submitted hours later; the token stays bound to
    # the session instead of expiring after an hour.
    "WTF_CSRF_TIME_LIMIT": None,
    # Rows per page of the long lists (league table, heat map); "show all" is a click away.
    "LIST_PAGE_SIZE": 100,
    # Memory each worker process may give to scorecards, league tables and heat maps kept
    # until the published results change (page_cache.py); 0 builds every page every time.
    "PAGE_CACHE_BYTES": 64 * 1024 * 1024,
    # Score bands for scorecards and reports: red below the first, green from the second.
    "SCORE_BAND_AMBER": 70,
    "SCORE_BAND_GREEN": 85,
    # Head office's comparisons give an average a 90% interval from this many visits up;
    # below it the average is marked "not enough visits" (docs/scoring.md). At least 2.
    "MIN_VISITS_FOR_INTERVAL": 3,
    # The time zone (IANA name) of a branch whose own is not set: shoppers enter a visit's
    # date and times in the branch's local time.
    "DEFAULT_TIME_ZONE": "Europe/London",
    # Days after its due date that a follow-up question stays open (docs/scoring.md).
    "FOLLOW_UP_GRACE_DAYS": 3,
    # Days after a scorecard's publication that its branch manager may appeal a finding
    # (docs/scoring.md), and the largest PDF an appeal may carry.
    "APPEAL_WINDOW_DAYS": 14,
    "APPEAL_DOCUMENT_MAX_BYTES": 5 * 1024 * 1024,
    # The job board (docs/jobs.md): no shopper at the same branch within NO_REPEAT_DAYS; at
    # most MAX_OPEN_JOBS visits in hand and MAX_VISITS_PER_DAY planned on one day; a job
    # can be given back until JOB_CANCEL_CUTOFF_HOURS before its planned day.
    "NO_REPEAT_DAYS": 30,
    "MAX_OPEN_JOBS": 5,
    "MAX_VISITS_PER_DAY": 2,
    "JOB_CANCEL_CUTOFF_HOURS": 24,
    # Mail (docs/mail.md). With no MAIL_SERVER, `shopper send-mail` writes each message as an
    # .eml file in the instance folder's mail/ instead. MAIL_USE_TLS is STARTTLS (port 587
    # by default); MAIL_USE_SSL is implicit TLS from the first byte (port 465 by default);
    # neither is plain SMTP (port 25). Links in messages start with BASE_URL.
    "MAIL_SERVER": None,
    "MAIL_PORT": None,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_FROM": "Mystery Shopper <shopper@localhost>",
    "MAIL_FOLDER_NAME": "mail",
    # A message is tried this many times, waiting 1, 2, 4 ... minutes (at most
    # MAIL_RETRY_MAX_MINUTES) between tries, then kept in the outbox marked failed.
    "MAIL_MAX_ATTEMPTS": 10,
    "MAIL_RETRY_MAX_MINUTES": 60,
    "MAIL_TIMEOUT_SECONDS": 30,
    "BASE_URL": "http://127.0.0.1:5000",
    # From this hour of the day (in DEFAULT_TIME_ZONE), `shopper send-mail` writes the day's
    # digests and reminders, once.
    "DIGEST_HOUR": 7,
    # The company whose service is measured, named with its logo at the head of a printed
    # scorecard. COMPANY_LOGO is an image file (PNG, JPEG, WebP, GIF or SVG), relative to
    # the instance folder unless absolute; None prints the app's own icon.
    "COMPANY_NAME": "Mystery Shopper",
    "COMPANY_LOGO": None,
    # Head office's CSV exports stream as they are read; one of more rows than this (a few
    # seconds' worth) is written in the background instead, with a progress bar, and kept
    # for EXPORT_KEEP_HOURS in the instance's exports/ folder for the person who asked.
    "EXPORT_BACKGROUND_ROWS": 500_000,
    "EXPORT_KEEP_HOURS": 24,
    "EXPORT_FOLDER_NAME": "exports",
}
LOGO_TYPES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg"}


def instance_path(test_config: dict | None = None) -> str:
    """Tests pass INSTANCE_PATH in their config; everyone else sets SHOPPER_INSTANCE_PATH."""
    if test_config and test_config.get("INSTANCE_PATH"):
        return test_config["INSTANCE_PATH"]
    return os.environ.get("SHOPPER_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")


def load(app, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
        app.config.from_prefixed_env("SHOPPER")
    else:
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    app.config.setdefault("DATABASE", str(instance / app.config["DATABASE_NAME"]))
    app.config.setdefault("PHOTO_FOLDER", str(instance / app.config["PHOTO_FOLDER_NAME"]))
    app.config.setdefault("EXPORT_FOLDER", str(instance / app.config["EXPORT_FOLDER_NAME"]))
    # A number of bytes, checked at start-up rather than at the first page kept.
    app.config["PAGE_CACHE_BYTES"] = int(app.config["PAGE_CACHE_BYTES"])
    app.config["DEFAULT_TIME_ZONE"] = check_zone(app.config["DEFAULT_TIME_ZONE"])
    for name in ("FOLLOW_UP_GRACE_DAYS", "APPEAL_WINDOW_DAYS", "APPEAL_DOCUMENT_MAX_BYTES",
                 "NO_REPEAT_DAYS", "MAX_OPEN_JOBS", "MAX_VISITS_PER_DAY",
                 "JOB_CANCEL_CUTOFF_HOURS", "EXPORT_BACKGROUND_ROWS", "EXPORT_KEEP_HOURS"):
        app.config[name] = int(app.config[name])
        if app.config[name] < 0:
            raise ValueError(f"SHOPPER_{name} must be 0 or more")
    app.config["MIN_VISITS_FOR_INTERVAL"] = int(app.config["MIN_VISITS_FOR_INTERVAL"])
    if app.config["MIN_VISITS_FOR_INTERVAL"] < 2:
        raise ValueError("SHOPPER_MIN_VISITS_FOR_INTERVAL must be 2 or more")
    _check_mail(app.config)
    app.config["COMPANY_LOGO"] = _company_logo(app.config["COMPANY_LOGO"], instance)
    app.config.setdefault("MAIL_FOLDER", str(instance / app.config["MAIL_FOLDER_NAME"]))
    app.config["SESSION_COOKIE_SECURE"] = app.config["SECURE_COOKIES"]
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SECURE_COOKIES"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")


def _check_mail(config) -> None:
    """Mail settings checked at start-up rather than at the first message sent."""
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ValueError("SHOPPER_MAIL_USE_TLS (STARTTLS) and SHOPPER_MAIL_USE_SSL "
                         "(implicit TLS) cannot both be on")
    if config["MAIL_PORT"] is not None:
        config["MAIL_PORT"] = int(config["MAIL_PORT"])
    config["DIGEST_HOUR"] = int(config["DIGEST_HOUR"])
    if not 0 <= config["DIGEST_HOUR"] <= 23:
        raise ValueError("SHOPPER_DIGEST_HOUR must be an hour from 0 to 23")
    for name in ("MAIL_MAX_ATTEMPTS", "MAIL_RETRY_MAX_MINUTES", "MAIL_TIMEOUT_SECONDS"):
        config[name] = int(config[name])
        if config[name] < 1:
            raise ValueError(f"SHOPPER_{name} must be 1 or more")
    if not config["BASE_URL"].startswith(("http://", "https://")):
        raise ValueError("SHOPPER_BASE_URL must start with http:// or https://")


def _company_logo(value, instance: Path) -> str | None:
    """The logo's absolute path, checked at start-up rather than at the first print."""
    if not value:
        return None
    path = Path(value) if Path(value).is_absolute() else instance / value
    if path.suffix.lower() not in LOGO_TYPES:
        raise ValueError(f"SHOPPER_COMPANY_LOGO must be an image file "
                         f"({', '.join(sorted(LOGO_TYPES))}), not {value}")
    if not path.is_file():
        raise ValueError(f"SHOPPER_COMPANY_LOGO: no file at {path}")
    return str(path)


def _instance_secret(path: Path) -> str:
    """Read the instance's secret key, creating it (readable by the owner only) on first run.
    O_EXCL makes concurrent first starts agree on one key."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        key = secrets.token_hex(32)
        fh.write(key)
    return key
