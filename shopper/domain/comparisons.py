"""The arithmetic of comparing branches, apart from the queries that feed it: how much
scores vary, and where a region's roll-up row goes among a page of branch rows."""

from __future__ import annotations

import math


def spread(mean: float, mean_square: float) -> float:
    """The population standard deviation from a mean and a mean of squares (what SQL's
    AVG gives in one pass), to one decimal; never negative from rounding."""
    return round(math.sqrt(max(mean_square - mean * mean, 0.0)), 1)


def two_ends(rows: list, each: int) -> tuple[list, list]:
    """The first and last `each` of a ranked list, or all of it (and nothing) when it is
    no longer than both ends together."""
    if len(rows) <= 2 * each:
        return rows, []
    return rows[:each], rows[-each:]


def with_region_rollups(rows: list[dict], branch_rows: list[dict]) -> list[dict]:
    """Some of a heat map's branch rows (a page of them), each region's roll-up row
    before the first of its branches."""
    rollups = {row["region"]: row for row in rows if row["rollup"]}
    shown: list[dict] = []
    for row in branch_rows:
        if not shown or shown[-1]["region"] != row["region"]:
            shown.append(rollups[row["region"]])
        shown.append(row)
    return shown
