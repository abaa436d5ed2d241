"""The shape of what a phone sends, described once: the JSON Schema (2020-12, as OpenAPI 3.1
uses) of a visit payload, which the OpenAPI document serves (web/api/spec.py) and the sync
workflow validates against (workflows/sync.py), and the sentences a shopper reads for each
way a payload can fail it. What a schema cannot say (whose assignment, which checklist
version, what a question accepts) is the workflow's to check, once the shape is right."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from jsonschema import Draft202012Validator, FormatChecker, validators

from shopper.domain.vocabulary import MAX_CAPTION, MAX_NOTE, MAX_REASON

MAX_ID = 2**63 - 1  # SQLite's integers
MAX_DEPTH = 16  # a visit payload nests 4 deep; a body nested deeper is refused as bad_json
UUID_FORM = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
TIMESTAMP_FORM = re.compile(
    r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)", re.ASCII)
SHA256_PATTERN = "^[0-9a-f]{64}$"
SHA256_FORM = re.compile(SHA256_PATTERN)  # use with fullmatch: Python's $ allows a final \n

UUID = {"type": "string", "format": "uuid"}
# maxLength: Python's `$` (unlike ECMA-262's) also matches before a trailing newline
SHA256 = {"type": "string", "pattern": SHA256_PATTERN, "maxLength": 64}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
OPTIONAL_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
DATE_PATTERN = r"^\d{4}-\d\d-\d\d$"
CLOCK_PATTERN = r"^\d\d:\d\d$"
ANSWER = {
    "type": "object", "required": ["question_id"],
    "properties": {
        "question_id": ID,
        "value": {"type": ["string", "number", "array", "null"],
                  "items": {"type": "string", "maxLength": 200}, "maxItems": 50,
                  "description": "yes/no, 1-5, an option label, a list of option labels "
                                 "(multi_choice; [] for none of them), a number, seconds "
                                 "or text; null when not answered"},
        "na": {"type": "boolean"},
        "note": {"type": "string", "maxLength": MAX_NOTE}}}
TIMING = {
    "type": "object", "required": ["date", "time_in", "time_out"],
    "description": "when the visit happened, in the branch's local time (docs/sync.md)",
    "properties": {
        "date": {"type": "string", "pattern": DATE_PATTERN, "maxLength": 10},
        "time_in": {"type": "string", "pattern": CLOCK_PATTERN, "maxLength": 5},
        "time_out": {"type": "string", "pattern": CLOCK_PATTERN, "maxLength": 5}}}

VISIT_PAYLOAD = {
    "type": "object",
    "required": ["assignment_id", "version_id", "started_at"],
    "properties": {
        "assignment_id": ID,
        "version_id": {**ID, "description": "the checklist version shown"},
        "started_at": {"type": "string", "format": "date-time"},
        "position": {
            "type": "object", "required": ["status"],
            "properties": {
                "status": {"type": "string",
                           "enum": ["given", "refused", "unavailable", "not_asked"]},
                "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                "accuracy_m": {"type": ["number", "null"], "minimum": 0}},
            "if": {"required": ["status"], "properties": {"status": {"const": "given"}}},
            "then": {"required": ["latitude", "longitude"]}},
        "answers": {"type": "array", "items": ANSWER},
        "touchpoints": {"type": "array", "items": {
            "type": "object", "required": ["touchpoint_id"],
            "properties": {
                "touchpoint_id": ID,
                "moment": {"type": ["string", "null"], "enum": ["golden", "dull", None]},
                "reason": {"type": "string", "maxLength": MAX_REASON},
                "note": {"type": "string", "maxLength": MAX_NOTE}}}},
        "photos": {"type": "array", "items": {
            "type": "object", "required": ["uuid", "sha256"],
            "properties": {
                "uuid": UUID, "sha256": SHA256,
                "question_id": OPTIONAL_ID, "touchpoint_id": OPTIONAL_ID,
                "caption": {"type": "string", "maxLength": MAX_CAPTION}},
            "description": "each photo belongs to one question or one touchpoint"}},
        "submit": {"type": "boolean",
                   "description": "send for review once every photo has arrived"},
        "reply": {"type": "string", "maxLength": MAX_NOTE,
                  "description": "answer to head office's comment"},
        "timing": TIMING,
    },
}

# Answers to a sent visit's follow-up questions (PUT /api/v1/visits/{uuid}/follow-ups).
FOLLOW_UP_PAYLOAD = {
    "type": "object",
    "required": ["answers"],
    "properties": {"answers": {"type": "array", "items": ANSWER, "minItems": 1}},
}


def utc_timestamp(value: str) -> str:
    """An RFC 3339 time with its offset, in UTC to the second; ValueError if it is not one
    (a date that does not exist, or one that leaves the calendar in UTC)."""
    if not TIMESTAMP_FORM.fullmatch(value):
        raise ValueError(value)
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:
        raise ValueError(value) from None


FORMATS = FormatChecker(formats=())
FORMATS.checks("uuid")(lambda value: not isinstance(value, str)
                       or UUID_FORM.fullmatch(value) is not None)
FORMATS.checks("date-time", raises=ValueError)(
    lambda value: not isinstance(value, str) or bool(utc_timestamp(value)))


def _finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any double
        return False


# JSON numbers as the server can hold them: never a boolean, never NaN or Infinity (which
# Python's json reads), never beyond a double; and an integer is written without a
# fraction (1.0 is not an id), which JSON Schema alone would allow.
TYPES = Draft202012Validator.TYPE_CHECKER.redefine_many({
    "integer": lambda _, value: type(value) is int and _finite(value),
    "number": lambda _, value: type(value) in (int, float) and _finite(value),
})
Validator = validators.extend(Draft202012Validator, type_checker=TYPES)
Validator.check_schema(VISIT_PAYLOAD)
Validator.check_schema(FOLLOW_UP_PAYLOAD)
VALIDATORS = {id(schema): Validator(schema, format_checker=FORMATS)
              for schema in (VISIT_PAYLOAD, FOLLOW_UP_PAYLOAD)}


class NotAnObject(ValueError):
    """The payload as a whole is not a JSON object."""


# Sentences for a value that is not in its written form, whatever the keyword that failed.
FORMS = {
    "date-time": "A time such as 2026-11-25T09:30:00Z is required.",
    "uuid": "A UUID such as 3f1d2c4b-5a69-4e7d-8c9b-0a1b2c3d4e5f is required.",
    SHA256_PATTERN: "The photo's sha256, in lowercase hex, is required.",
    DATE_PATTERN: "A date such as 2026-11-24 is required.",
    CLOCK_PATTERN: "A time such as 10:05 (hours and minutes) is required.",
}
NOUNS = {"string": "text", "integer": "a whole number", "number": "a number",
         "boolean": "true or false", "null": "null", "array": "a list", "object": "an object"}
# When one field fails several keywords, the shopper reads the most telling.
RANK = {"required": 0, "enum": 1, "const": 1}


def payload_errors(payload, schema: dict = VISIT_PAYLOAD) -> dict[str, str]:
    """Every way `payload` fails the schema, as {field: sentence}, keyed as the API reports
    fields (`answers[0].note`, `position.accuracy_m`, `started_at`); empty when it fits.
    Raises NotAnObject when the payload is not a JSON object at all."""
    found: dict[str, tuple[int, str]] = {}
    for error in VALIDATORS[id(schema)].iter_errors(payload):
        if not error.absolute_path and error.validator == "type":
            raise NotAnObject
        rank = RANK.get(error.validator, 2)
        for key, message in _sentences(error, schema):
            if key not in found or rank < found[key][0]:
                found[key] = (rank, message)
    return {key: message for key, (_, message) in sorted(found.items())}


def _sentences(error, root: dict):
    path = list(error.absolute_path)
    if error.validator == "required":
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                schema = _subschema(root, path + [name])
                yield _key(path + [name]), _form(schema) or "Required."
        return
    yield _key(path), _form(error.schema) or _sentence(error, path)


def _sentence(error, path) -> str:
    keyword, value = error.validator, error.validator_value
    if keyword == "type":
        types = [value] if isinstance(value, str) else value
        return f"Must be {_either(NOUNS[t] for t in types)}."
    if keyword in ("enum", "const"):
        options = value if keyword == "enum" else [value]
        return f"Must be {_either('null' if o is None else str(o) for o in options)}."
    if keyword == "maxLength":
        return (f"The {path[-1]} is {len(error.instance):,} characters long: keep it under "
                f"{value:,}.")
    if keyword in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        if low is not None and high is not None:
            return f"Must be from {low:,} to {high:,}."
        return f"Must be {low:,} or more." if low is not None else f"Must be {high:,} or less."
    if keyword == "minItems":
        return f"Give at least {value}."
    return "Not valid here."  # a keyword this schema does not use yet


def _form(schema: dict) -> str | None:
    return FORMS.get(schema.get("format")) or FORMS.get(schema.get("pattern"))


def _either(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _subschema(root: dict, path) -> dict:
    schema = root
    for step in path:
        schema = schema.get("items", {}) if isinstance(step, int) else \
            schema.get("properties", {}).get(step, {})
    return schema


def _key(path) -> str:
    key = ""
    for step in path:
        key += f"[{step}]" if isinstance(step, int) else (f".{step}" if key else step)
    return key


def nesting_depth(value) -> int:
    """How deep lists and objects nest in a parsed JSON value (a scalar is 0), walked
    without recursion so that no depth the parser allowed can exhaust the stack here."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item \
            if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest
