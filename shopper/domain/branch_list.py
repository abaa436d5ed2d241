"""A branch list as head office uploads it: CSV with code, name, region, address, latitude,
longitude and, optionally, time_zone (an IANA name such as Europe/London; blank keeps a
known branch's zone, or gives a new one the configured default). Every problem is reported
by row, and nothing is imported if any row is wrong."""

from __future__ import annotations

import csv
import io
import math
import re

from shopper.domain.visit_timing import check_zone

BRANCH_COLUMNS = ("code", "name", "region", "address", "latitude", "longitude", "time_zone")
BRANCH_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


class BranchListError(ValueError):
    """Refused input: a list of (where, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{w}: {p}" for w, p in problems))
        self.problems = problems


def parse_branches_csv(text: str) -> list[dict]:
    """Rows of a branch list (code, name, region, address, latitude, longitude), or every
    problem found, row by row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("code", "name", "region") if c not in header]
    if missing:
        raise BranchListError([("header", f"missing column(s): {', '.join(missing)} "
                                     f"(expected {', '.join(BRANCH_COLUMNS)})")])
    rows, problems, seen = [], [], {}
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        where = f"row {number}"
        if not any(row.values()):
            continue
        if not BRANCH_CODE.match(row.get("code", "")):
            problems.append((where, "code must be letters, digits, - or _ (up to 32)"))
        elif row["code"] in seen:
            problems.append((where, f"code {row['code']} is also on row {seen[row['code']]}"))
        else:
            seen[row["code"]] = number
        for field in ("name", "region"):
            if not row.get(field):
                problems.append((where, f"{field} is required"))
            elif len(row[field]) > 120:
                problems.append((where, f"{field} is longer than 120 characters"))
        position = []
        for field, limit in (("latitude", 90), ("longitude", 180)):
            value = row.get(field, "")
            if value == "":
                position.append(None)
                continue
            try:
                number_value = float(value)
                if not math.isfinite(number_value) or abs(number_value) > limit:
                    raise ValueError
                position.append(number_value)
            except ValueError:
                problems.append((where, f"{field} must be a number from -{limit} to {limit}"))
                position.append(None)
        if (position[0] is None) != (position[1] is None):
            problems.append((where, "give both latitude and longitude, or neither"))
        zone = row.get("time_zone") or None
        if zone is not None:
            try:
                zone = check_zone(zone)
            except ValueError as err:
                problems.append((where, f"time_zone {err}"))
        rows.append({"code": row.get("code", ""), "name": row.get("name", ""),
                     "region": row.get("region", ""), "address": row.get("address", "")[:300],
                     "latitude": position[0], "longitude": position[1], "time_zone": zone})
    if not rows and not problems:
        problems.append(("file", "no branches in it"))
    if problems:
        raise BranchListError(problems)
    return rows
