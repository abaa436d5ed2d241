"""What the app says by email, in one place: each kind of message built from plain data
as a subject, a plain-text body and an HTML body (every value HTML-escaped).

Links are absolute, from the site's BASE_URL and the page's path (the paths are the web
app's; tests/test_mail.py opens them). A message to a branch manager is built only from
the branch and the scorecard, never from anything naming the shopper."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

SCORECARD_PUBLISHED = "scorecard_published"
VISIT_RETURNED = "visit_returned"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def link(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def scorecard_path(visit_uuid: str) -> str:
    """The branch manager's scorecard page."""
    return f"/branch/visits/{visit_uuid}"


def field_visit_path(visit_uuid: str) -> str:
    """The shopper's visit page."""
    return f"/field/visits/{visit_uuid}"


def scorecard_published(branch_name: str, url: str) -> Message:
    subject = f"New scorecard for {branch_name}"
    lines = [f"Head office has published a new mystery-shopping scorecard for {branch_name}.",
             "Read it, and record what will change for each standard that was not met:"]
    return Message(subject, _text(lines, url), _html(subject, lines, url, "Open the scorecard"))


def visit_returned(branch_name: str, comment: str, url: str) -> Message:
    subject = f"Your visit to {branch_name} was returned"
    lines = [f"Head office has returned your visit to {branch_name} with this comment:",
             f"“{comment}”",
             "Change or explain what it asks, then send the visit again:"]
    return Message(subject, _text(lines, url), _html(subject, lines, url, "Open the visit"))


def _text(lines: list[str], url: str) -> str:
    return "\n\n".join([*lines, url]) + "\n\n— Mystery Shopper\n"


def _html(subject: str, lines: list[str], url: str, action: str) -> str:
    paragraphs = "\n".join(f"<p>{escape(line)}</p>" for line in lines)
    return (f"<!doctype html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{escape(subject)}</title></head>\n<body>\n{paragraphs}\n"
            f"<p><a href=\"{escape(url)}\">{escape(action)}</a></p>\n"
            f"<p>— Mystery Shopper</p>\n</body></html>\n")
