"""Every head-office page and export at scale (issue 20), on head_office's generated
database (2,000 branches, 200,000 visits, 6,000,000 answers; the smoke size afresh): each
page's time through Flask's test client, built every time (`PAGE_CACHE_BYTES=0`), and its
size, for 90 and 365 days; each CSV export's time, size and peak memory, streamed to
nowhere in a fresh interpreter (the rise of its peak resident size, VmHWM, as
photo_ingest measures it)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from .common import ROOT, Section, median_ms, table
from .head_office import (
    FULL,
    PERIODS,
    SMOKE,
    TARGET_MS,
    _client_sign_in,
    cached_database,
    generate,
)

# (name, path, analysis?): analyses are held to TARGET_MS, every page to MAX_PAGE_BYTES.
PAGES = [("Overview", "/office/", True), ("Review queue", "/office/review", False),
         ("Visits", "/office/visits", False), ("Trends", "/office/trends", True),
         ("Consistency", "/office/consistency", True),
         ("Weakest standards", "/office/standards", True), ("Moments", "/office/moments", True),
         ("League table", "/office/league", False), ("Heat map", "/office/heatmap", False),
         ("People", "/office/people", False), ("Branches", "/office/branches", False),
         ("Assignments", "/office/assignments", False), ("Appeals", "/office/appeals", False),
         ("Jobs", "/office/jobs", False), ("Payments", "/office/payments", False),
         ("Quizzes", "/office/quizzes", False), ("Checklists", "/office/checklists", False),
         ("Exports", "/office/exports", False)]
EXPORTS = ["league", "visits", "answers"]
MAX_PAGE_BYTES = 150_000
REPEAT = 3
# An export's peak memory may not grow with its size: the year's within this much of the
# quarter's, though it has four times the rows.
FLAT_MEMORY_MIB = 16

_MEASURE = """
import json, sys, time
from datetime import date
from shopper.store import comparisons, exports
from shopper.store.connection import connect

def status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key + ":"))

kind, database, start, end = sys.argv[1:5]
db = connect(database)
scope = comparisons.Scope(date.fromisoformat(start), date.fromisoformat(end))
if kind == "payments":  # a month's approved lines, for the bank
    from shopper.workflows import payments
    make = lambda: payments.month_csv(db, start[:7])
else:
    maker = {"league": exports.league, "visits": exports.visits,
             "answers": exports.answers}[kind]
    make = lambda: maker(db, scope).chunks()
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")
started = time.perf_counter()
size = rows = 0
for chunk in make():
    size += len(chunk.encode())
    rows += chunk.count("\\n")
print(json.dumps({"rss_kib": status("VmHWM") - before, "bytes": size, "rows": rows - 1,
                  "ms": (time.perf_counter() - started) * 1000}))
"""


def export_run(kind: str, database: Path, start: date, end: date) -> dict:
    done = subprocess.run([sys.executable, "-c", _MEASURE, kind, str(database),
                           start.isoformat(), end.isoformat()], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(smoke: bool) -> Section:
    from shopper import create_app

    today = date.today()
    repeat, warmup = (1, 0) if smoke else (REPEAT, 1)
    with tempfile.TemporaryDirectory(prefix="bench-head-office-pages-") as tmp:
        if smoke:
            instance = Path(tmp) / "instance"
            generate(instance, SMOKE, today)
        else:
            instance, _ = cached_database(FULL, today)
        app = create_app({"INSTANCE_PATH": str(instance), "SECURE_COOKIES": False,
                          "PAGE_CACHE_BYTES": 0})
        client = app.test_client()
        _client_sign_in(client)
        pages = []
        for name, path, analysis in PAGES:
            for days in PERIODS:
                url = f"{path}?start={today - timedelta(days=days - 1)}&end={today}"
                reply = client.get(url)
                if reply.status_code != 200:
                    raise RuntimeError(f"{url} answered {reply.status_code}")
                pages.append({"page": name, "days": days, "path": url, "analysis": analysis,
                              "bytes": len(reply.data),
                              "ms": median_ms(lambda u=url: client.get(u).data, repeat,
                                              warmup)})
        exports = [{"export": kind, "days": days,
                    **export_run(kind, instance / "shopper.sqlite3",
                                 today - timedelta(days=days - 1), today)}
                   for kind in EXPORTS for days in PERIODS]
        # The payments CSV is a month's approved lines (those 30 to 60 days old).
        month = (today - timedelta(days=45)).replace(day=1)
        exports.append({"export": "payments", "days": 30, **export_run(
            "payments", instance / "shopper.sqlite3", month, month)})
    return _section(pages, exports, smoke)


def _section(pages: list[dict], exports: list[dict], smoke: bool) -> Section:
    targets = {}
    for p in pages:
        if p["analysis"]:
            targets[f"{p['page']}, {p['days']} days"] = (p["ms"] <= TARGET_MS[p["days"]],
                                                         f"≤ {TARGET_MS[p['days']]} ms")
        if p["days"] == PERIODS[-1]:
            targets[f"{p['page']}, page size"] = (p["bytes"] <= MAX_PAGE_BYTES,
                                                  f"≤ {MAX_PAGE_BYTES // 1000} KB")
    by = {(e["export"], e["days"]): e for e in exports}
    for kind in EXPORTS:
        small, large = by[(kind, PERIODS[0])], by[(kind, PERIODS[-1])]
        grows = (large["rss_kib"] - small["rss_kib"]) / 1024
        targets[f"{kind} export, memory flat from {PERIODS[0]} to {PERIODS[-1]} days"] = (
            grows <= FLAT_MEMORY_MIB, f"≤ {FLAT_MEMORY_MIB} MiB more")
    runs = "1 run (smoke)" if smoke else f"median of {REPEAT} runs after a warm-up"
    body = "\n".join([
        f"On the database of the section above; {runs}, through Flask's test client, every "
        "page built (`PAGE_CACHE_BYTES=0`). "
        f"Analyses are held to {TARGET_MS[90]} ms for 90 days and {TARGET_MS[365]} ms for "
        f"365; every page to {MAX_PAGE_BYTES // 1000} KB. Lists show their first page.",
        "",
        table(["page", "days", "ms", "page size", "target"],
              [[p["page"], p["days"], f"{p['ms']:.0f}", f"{p['bytes'] / 1000:.1f} KB",
                f"≤ {TARGET_MS[p['days']]} ms" if p["analysis"] else "size only"]
               for p in pages]),
        "",
        "Each CSV export streamed to nowhere in a fresh interpreter, one run: its time, rows, "
        "size and the rise of the peak resident size while it ran (VmHWM, reset first). "
        "Exports stream 500 rows at a time from the database cursor, so the peak should not "
        "grow with the rows. The payments CSV is one month's approved lines.",
        "",
        table(["export", "days", "rows", "size", "ms", "peak memory MiB (RSS)"],
              [[e["export"], "a month" if e["export"] == "payments" else e["days"],
                f"{e['rows']:,}", f"{e['bytes'] / 1e6:.1f} MB",
                f"{e['ms']:.0f}", f"{e['rss_kib'] / 1024:.1f}"] for e in exports]),
    ])
    return Section("Every head-office page and export", body,
                   {"pages": pages, "exports": exports}, targets)
