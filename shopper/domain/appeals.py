"""Appeals: a branch manager challenges a finding on a published scorecard, head office
decides. Pure: no Flask, no database. The rules (docs/scoring.md):

- only a standard the visit did not meet (a gap on the scorecard) may be appealed, one
  open appeal per standard of a visit;
- appeals may be made until APPEAL_WINDOW_DAYS after the scorecard's publication;
- an appeal may carry one photo (through the photo pipeline) or one PDF, recognised by its
  first bytes, not by its name, and no larger than APPEAL_DOCUMENT_MAX_BYTES;
- head office upholds it (the finding stands) or overturns it (the answer is corrected
  and the visit rescored), saying why either way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

OPEN, UPHELD, OVERTURNED = "open", "upheld", "overturned"
OUTCOMES = (UPHELD, OVERTURNED)
PDF, PHOTO = "pdf", "photo"
PDF_MAGIC = b"%PDF-"

WINDOW_CLOSED = "The time to appeal this scorecard is over: appeals close {days} days after " \
                "it is published."
NOT_ACCEPTED = "Attach a photo (JPEG, PNG, WebP or HEIC) or a PDF document: this file is neither."


class AppealError(ValueError):
    """An appeal or a decision refused; the message is for the person who tried."""


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def closes_at(published_at: str, window_days: int) -> datetime:
    """When appeals against a scorecard published at `published_at` (UTC text) close."""
    return parse_instant(published_at) + timedelta(days=window_days)


def window_open(published_at: str | None, window_days: int, at: datetime | None = None) -> bool:
    if not published_at:
        return False
    return (at or datetime.now(UTC)) < closes_at(published_at, window_days)


def attachment_kind(data: bytes) -> str | None:
    """None for no file, PDF for a file that starts as a PDF must, else a photo for the
    photo pipeline to accept or refuse."""
    if not data:
        return None
    return PDF if data.startswith(PDF_MAGIC) else PHOTO


def check_document(data: bytes, max_bytes: int) -> bytes:
    if len(data) > max_bytes:
        raise AppealError(f"This PDF is {_megabytes(len(data))}: send one of at most "
                          f"{_megabytes(max_bytes)}.")
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def outcome_sentence(outcome: str) -> str:
    """What a decision means, in the words the scorecard and the shopper's page use."""
    return {UPHELD: "Appeal not accepted: the finding stands.",
            OVERTURNED: "Appeal accepted: the answer was corrected and the visit rescored.",
            OPEN: "Waiting for head office's decision."}[outcome]
