"""What the app says by email, in one place: each kind of message built from plain data
as a subject, a plain-text body and an HTML body (every value HTML-escaped).

Links are absolute, from the site's BASE_URL and the page's path (the paths are the web
app's; tests/test_mail.py opens them). A message to a branch manager is built only from
the branch and the scorecard, never from anything naming the shopper."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

SCORECARD_PUBLISHED = "scorecard_published"
CRITICAL_FAILURE = "critical_failure"
ACTION_REMINDER = "action_reminder"
OFFICE_DIGEST = "office_digest"
ASSIGNMENT_NEW = "assignment_new"
VISIT_RETURNED = "visit_returned"
WINDOW_CLOSING = "window_closing"
APPEAL_DECIDED = "appeal_decided"
FINDING_REVIEWED = "finding_reviewed"

# How a user may take each kind of message.
NOW, DAILY, OFF = "now", "daily", "off"
CHOICE_LABELS = {NOW: "At once", DAILY: "In a daily digest", OFF: "Don't send"}


@dataclass(frozen=True)
class Kind:
    """A kind of message: who may get it, the choices they have, and what they get until
    they choose (the sensible default)."""
    key: str
    role: str
    label: str
    choices: tuple[str, ...]
    default: str


KINDS = (
    Kind(SCORECARD_PUBLISHED, "manager", "A scorecard is published for my branch",
         (NOW, DAILY, OFF), NOW),
    Kind(CRITICAL_FAILURE, "manager", "A published visit failed a critical standard",
         (NOW, OFF), NOW),
    Kind(ACTION_REMINDER, "manager", "An action is due tomorrow, or overdue", (NOW, OFF), NOW),
    Kind(APPEAL_DECIDED, "manager", "Head office decides an appeal against a finding at my "
         "branch", (NOW, OFF), NOW),
    Kind(OFFICE_DIGEST, "office",
         "Visits waiting for review, critical failures and appeals waiting", (DAILY, OFF),
         DAILY),
    Kind(ASSIGNMENT_NEW, "shopper", "I am given a new visit", (NOW, OFF), NOW),
    Kind(VISIT_RETURNED, "shopper", "Head office returns a visit to me with a comment",
         (NOW, OFF), NOW),
    Kind(WINDOW_CLOSING, "shopper", "A visit's window closes in 2 days and it is not sent",
         (NOW, OFF), NOW),
    Kind(FINDING_REVIEWED, "shopper", "Head office reviews a finding of my visit again, after "
         "publication", (NOW, OFF), NOW),
)
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}


def kinds_for(role: str) -> list[Kind]:
    return [kind for kind in KINDS if kind.role == role]


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


FIELD_HOME_PATH = "/field/"
REVIEW_QUEUE_PATH = "/office/review"
APPEALS_PATH = "/office/appeals"
PREFERENCES_PATH = "/account/mail"


def actions_path(branch_id: int) -> str:
    return f"/branch/{branch_id}/actions"


@dataclass(frozen=True)
class Item:
    """One line of a list in a message, with its link."""
    text: str
    url: str


def scorecard_published(branch_name: str, url: str) -> Message:
    subject = f"New scorecard for {branch_name}"
    lines = [f"Head office has published a new mystery-shopping scorecard for {branch_name}.",
             "Read it, and record what will change for each standard that was not met:"]
    return compose(subject, lines, (url, "Open the scorecard"))


def critical_failure(branch_name: str, standards: list[str], url: str) -> Message:
    """At once, whatever the manager chose for scorecards: a critical standard failed."""
    subject = f"Critical failure at {branch_name}"
    lines = [f"A newly published mystery-shopping visit to {branch_name} failed "
             f"{'a critical standard' if len(standards) == 1 else 'critical standards'}:",
             *[f"• {standard}" for standard in standards],
             "Read the scorecard and record what will change:"]
    return compose(subject, lines, (url, "Open the scorecard"))


def scorecard_digest(items: list[Item], day: str) -> Message:
    """A manager's daily digest: the scorecards published for their branches since the
    last one."""
    count = len(items)
    subject = (f"{count} new scorecard{'s' if count != 1 else ''} for your "
               f"branch{'es' if count != 1 else ''} ({day})")
    lines = ["Head office has published these mystery-shopping scorecards since your last "
             "digest. Read each, and record what will change for each standard not met:"]
    return compose(subject, lines, items=items)


def action_reminder(branch_name: str, standard: str, description: str, due: str,
                    overdue: bool, url: str) -> Message:
    when = f"was due on {due}" if overdue else f"is due tomorrow, {due}"
    subject = (f"Overdue action at {branch_name}" if overdue
               else f"Action due tomorrow at {branch_name}")
    lines = [f"An action at {branch_name} {when}:",
             f"“{description}” (for the standard “{standard}”).",
             "When it is done, mark it done with a note on the actions page:"]
    return compose(subject, lines, (url, "Open the actions"))


def office_digest(day: str, waiting_review: Item | None, critical: list[Item],
                  appeals: Item | None) -> Message:
    """Head office's daily digest: what waits for it, and critical failures since the
    last one."""
    subject = f"Mystery Shopper: what waits for head office ({day})"
    items = [item for item in (waiting_review, appeals) if item]
    lines = ["What waits for head office this morning:"]
    if critical:
        items += [Item(f"Critical failure: {item.text}", item.url) for item in critical]
    return compose(subject, lines, items=items)


def assignment_new(branches: list[str], url: str) -> Message:
    count = len(branches)
    subject = (f"New visit: {branches[0]}" if count == 1
               else f"{count} new visits to make")
    lines = ["Head office has given you " + ("a new visit:" if count == 1
                                              else f"{count} new visits:"),
             *[f"• {branch}" for branch in branches],
             "The dates and what to do are on your list of visits:"]
    return compose(subject, lines, (url, "Open your visits"))


def visit_returned(branch_name: str, comment: str, url: str) -> Message:
    subject = f"Your visit to {branch_name} was returned"
    lines = [f"Head office has returned your visit to {branch_name} with this comment:",
             f"“{comment}”",
             "Change or explain what it asks, then send the visit again:"]
    return compose(subject, lines, (url, "Open the visit"))


def window_closing(branch_name: str, last_day: str, url: str) -> Message:
    subject = f"2 days left to visit {branch_name}"
    lines = [f"Your visit to {branch_name} has to be made and sent by {last_day}.",
             "If you cannot make it, tell head office as soon as you can."]
    return compose(subject, lines, (url, "Open your visits"))


def appeal_decided(branch_name: str, standard: str, overturned: bool, comment: str,
                   score: str, url: str) -> Message:
    """To the branch's managers: head office's decision on an appeal, and why."""
    subject = (f"Appeal accepted at {branch_name}" if overturned
               else f"Appeal not accepted at {branch_name}")
    outcome = (f"The answer was corrected and the visit rescored: it now scores {score}."
               if overturned else "The finding stands.")
    lines = [f"Head office has decided the appeal against the finding “{standard.rstrip('.')}” "
             f"at {branch_name}. {outcome}",
             "Head office's comment:", f"“{comment}”",
             "The decision is on the scorecard:"]
    return compose(subject, lines, (url, "Open the scorecard"))


def finding_reviewed(branch_name: str, visit_date: str, standard: str, overturned: bool,
                     comment: str, url: str) -> Message:
    """To the shopper: a finding of their visit looked at again after publication. It says
    what changed and head office's comment; never who asked, nor why."""
    subject = f"A finding of your visit to {branch_name} was reviewed"
    outcome = ("Head office corrected your answer, and the visit was rescored."
               if overturned else "Your answer stands as you gave it.")
    lines = [f"After your visit to {branch_name} on {visit_date} was published, head office "
             f"looked again at your answer for “{standard.rstrip('.')}”. {outcome}",
             "Head office's comment:", f"“{comment}”"]
    return compose(subject, lines, (url, "Open the visit"))


def compose(subject: str, lines: list[str], action: tuple[str, str] | None = None,
            items: list[Item] = ()) -> Message:
    """A message's plain text and HTML from the same paragraphs, list and link."""
    text = [*lines, *(f"• {item.text}\n  {item.url}" for item in items)]
    if action:
        text.append(action[0])
    html = "\n".join(f"<p>{escape(line)}</p>" for line in lines)
    if items:
        html += "\n<ul>\n" + "\n".join(
            f"<li><a href=\"{escape(item.url)}\">{escape(item.text)}</a></li>"
            for item in items) + "\n</ul>"
    if action:
        html += f"\n<p><a href=\"{escape(action[0])}\">{escape(action[1])}</a></p>"
    return Message(subject, "\n\n".join(text) + "\n\n— Mystery Shopper\n",
                   "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                   f"<title>{escape(subject)}</title></head>\n<body>\n{html}\n"
                   "<p>— Mystery Shopper</p>\n</body></html>\n")


def with_unsubscribe(message: Message, kind: Kind, unsubscribe_url: str,
                     preferences_url: str) -> Message:
    """The footer every message carries: why it came, and a one-click way to stop it."""
    text = (f"{message.text}\n--\nYou get this email because of your choice: "
            f"“{kind.label}”.\nStop these emails: {unsubscribe_url}\n"
            f"All your email choices: {preferences_url}\n")
    footer = (f"<hr>\n<p><small>You get this email because of your choice: "
              f"“{escape(kind.label)}”. <a href=\"{escape(unsubscribe_url)}\">Stop these "
              f"emails</a> · <a href=\"{escape(preferences_url)}\">All your email "
              f"choices</a></small></p>\n</body>")
    return Message(message.subject, text, message.html.replace("</body>", footer, 1))
