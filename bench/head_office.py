"""Head office at scale: 2,000 branches, 200,000 visits, 6,000,000 answers generated into
the schema the app's migrations create (indexes included, then ANALYZE), and the league
table and touchpoint heat map for 90 and 365 days timed through the app's own code, through
Flask's test client (rendering included) and under gunicorn one request at a time.

Generating takes minutes, so the full-size database is kept between runs in a folder
under the system's temporary directory (never in the repository), keyed by the
generator's version, the size, the migrations and the default checklist; a re-run reports
the load time stored beside it. The smoke size is generated afresh every time."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from .common import Section, median_ms, table
from .server import FAST_HASH, PASSWORD, Gunicorn, get, sign_in

GENERATOR_VERSION = 2
CACHE = Path(tempfile.gettempdir()) / "shopper-bench"
CACHE_DAYS = 30  # older data has drifted from "the last 90 days": generate it again
OFFICE = "office@demo.test"
PERIODS = (90, 365)
TARGET_MS = {90: 200, 365: 500}
REPEAT = 5
REGIONS = 12
# Branch quality levels and sheets per (level, weakest touchpoint): answer sheets are
# scored once by the real engine, then dealt to visits.
LEVELS = [0.55 + 0.05 * i for i in range(9)]
SHEETS_PER_KIND = 20
CHUNK = 5000
# Around each branch, a pool of local shoppers (of SHOPPERS in all) makes its visits; a
# hundredth of published visits is appealed, and every visit earns a payable line.
SHOPPERS = 300
LOCAL_SHOPPERS = 6
APPEAL_SHARE = 0.01


@dataclass(frozen=True)
class Scale:
    branches: int
    visits: int
    answers_per_visit: int = 30
    days: int = 730  # visit dates spread over the last two years


FULL = Scale(branches=2000, visits=200_000)
SMOKE = Scale(branches=20, visits=500)


@dataclass
class Sheet:
    """One scored visit, ready to insert for any branch and date."""

    score: float | None
    critical_failed: int
    touchpoints: list[tuple]  # touchpoint_id, key, weight, earned, possible, score,
    #                           critical_failed, moment, moment_reason
    answers: list[tuple]  # question_id, value, na, outcome, earned, possible, observed


def answer_sheets(version, per_visit: int) -> dict[tuple, list[Sheet]]:
    """Sheets per quality level and weakest touchpoint. A visit stores the answers of the
    first `per_visit` scored questions in journey order (30 of the default checklist's 32)."""
    checklist = version.checklist
    stored = [(tp.key, q.key) for tp, q in checklist.questions() if q.scored][:per_visit]
    if len(stored) < per_visit:
        raise RuntimeError(f"the default checklist has only {len(stored)} scored questions")
    return {(level, weak): [_sheet(version, stored, level, weak,
                                   random.Random(f"{level:.2f}-{weak}-{n}"))
                            for n in range(SHEETS_PER_KIND)]
            for level in LEVELS for weak in (tp.key for tp in checklist.touchpoints)}


def _sheet(version, stored: list[tuple], level: float, weak: str, rng) -> Sheet:
    """Plausible answers (the demo data's own generator), scored by the scoring engine,
    with the demo's golden and dull moments."""
    from shopper.domain.scoring import Answer, score_visit
    from shopper.workflows.demo import plausible_answer, plausible_moment

    checklist = version.checklist
    nothing_ordered = rng.random() < 0.3
    answers = {}
    for tp, q in checklist.questions():
        p = level - (0.25 if tp.key == weak else 0)
        na = q.na_allowed and (nothing_ordered and tp.key == "delivery" or rng.random() < 0.08)
        answers[(tp.key, q.key)] = Answer(na=True) if na else Answer(plausible_answer(rng, q, p))
    result = score_visit(checklist, answers)
    touchpoints = []
    for tp in result.touchpoints:
        moment, reason = plausible_moment(rng, tp.score)
        touchpoints.append((version.touchpoint_ids[tp.key], tp.key, tp.weight, tp.earned,
                            tp.possible, tp.score, int(tp.critical_failed), moment, reason))
    rows = []
    for key in stored:
        answer, scored = answers[key], result.question(*key)
        rows.append((version.question_ids[key],
                     None if answer.value is None else json.dumps(answer.value),
                     int(answer.na), scored.outcome, scored.earned, scored.possible,
                     scored.observed))
    return Sheet(result.score, int(result.critical_failed), touchpoints, rows)


def generate(instance: Path, scale: Scale, today: date) -> dict:
    """The demo data (accounts included), then `scale` more: branches in REGIONS regions,
    SHOPPERS shoppers, visits spread over their days (published unless under 13 days old),
    each with its touchpoint results and answers and a payable line (paid in monthly
    batches after 60 days, approved after 30), appeals against a hundredth of the
    published (open for the last 30 days), and a wave of open jobs, one a branch, for the
    month ahead. Returns the load figures."""
    from shopper import create_app
    from shopper.store.checklists import latest_version_id, load_version
    from shopper.store.connection import connect
    from shopper.store.schema import fill_standard_lists
    from shopper.workflows import demo
    from shopper.workflows.mail import MailSettings

    app = create_app({"INSTANCE_PATH": str(instance), "PASSWORD_HASH_METHOD": FAST_HASH})
    db = connect(app.config["DATABASE"])
    demo.seed(db, FAST_HASH, app.config["PHOTO_FOLDER"],
              mail_settings=MailSettings.from_config(app.config))
    checklist_id = db.execute("SELECT id FROM checklists ORDER BY id").fetchone()[0]
    version = load_version(db, latest_version_id(db, checklist_id))
    sheets = answer_sheets(version, scale.answers_per_visit)
    first_visit = db.execute("SELECT MAX(id) FROM visits").fetchone()[0] + 1
    first_branch = db.execute("SELECT MAX(id) FROM branches").fetchone()[0] + 1
    rng = random.Random(GENERATOR_VERSION)
    db.execute("PRAGMA cache_size = -262144")  # 256 MB: bulk index maintenance
    started = time.perf_counter()
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO branches (code, name, region, address, latitude, longitude) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(f"G{i:05d}", f"Branch {i:05d}", f"Region {i % REGIONS + 1:02d}",
              f"{i % 300 + 1} High Street, Town {i:05d}", round(rng.uniform(50, 58), 4),
              round(rng.uniform(-5, 1.5), 4)) for i in range(scale.branches)])
        password_hash = db.execute(
            "SELECT password_hash FROM users WHERE role = 'shopper'").fetchone()[0]
        db.conn.executemany(
            "INSERT INTO users (email, name, role, password_hash, created_at) "
            "VALUES (?, ?, 'shopper', ?, ?)",
            [(f"shopper{i:04d}@bench.test", f"Shopper {i:04d}", password_hash,
              f"{today}T00:00:00Z") for i in range(SHOPPERS)])
        shoppers = [r[0] for r in db.execute("SELECT id FROM users WHERE role = 'shopper'")]
        branches = [(branch_id, rng.choice(LEVELS), rng.choice(version.checklist.touchpoints).key,
                     [shoppers[(i * 7 + k) % len(shoppers)] for k in range(LOCAL_SHOPPERS)])
                    for i, (branch_id,) in enumerate(db.execute(
                        "SELECT id FROM branches WHERE id >= ? ORDER BY id", [first_branch]))]
        for start in range(0, scale.visits, CHUNK):
            _insert_visits(db, range(start, min(start + CHUNK, scale.visits)), first_visit,
                           branches, sheets, version.id, scale, today, rng)
        # What score_and_store keeps beside each score (the answers went in directly).
        fill_standard_lists(db, f"SELECT id FROM visits WHERE id >= {first_visit}")
        _insert_programme(db, first_visit, first_branch, checklist_id, today, rng)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    db.execute("ANALYZE")
    analyze_s = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"load_s": load_s, "analyze_s": analyze_s, "first_visit_id": first_visit,
            "first_branch_id": first_branch,
            "db_bytes": os.path.getsize(app.config["DATABASE"]),
            "generated_on": today.isoformat(), "scale": asdict(scale)}


def _insert_programme(db, first_visit: int, first_branch: int, checklist_id: int,
                      today: date, rng) -> None:
    """Payable lines, appeals and a wave of jobs around the generated visits."""
    office = db.execute("SELECT id FROM users WHERE role = 'office'").fetchone()[0]
    manager = db.execute("SELECT id FROM users WHERE role = 'manager'").fetchone()[0]
    paid_after, approved_after = today - timedelta(days=60), today - timedelta(days=30)
    batches = {}
    for month in sorted({r[0] for r in db.execute(
            "SELECT DISTINCT substr(visit_date, 1, 7) FROM visits WHERE id >= ? "
            "AND visit_date < ?", [first_visit, paid_after.isoformat()])}):
        batches[month] = db.execute(
            "INSERT INTO payment_batches (reference, paid_at, created_by) VALUES (?, ?, ?)",
            [f"BENCH-{month}", f"{month}-28T12:00:00Z", office]).lastrowid
    lines = []
    for visit_id, shopper_id, day in db.execute(
            "SELECT id, shopper_id, visit_date FROM visits WHERE id >= ? ORDER BY id",
            [first_visit]).fetchall():
        status = ("paid" if day < paid_after.isoformat() else
                  "approved" if day < approved_after.isoformat() else "unpaid")
        lines.append((visit_id, shopper_id, 2500, rng.choice((0, 0, 0, 450, 1200)), "GBP",
                      status, f"{day}T18:00:00Z",
                      None if status == "unpaid" else f"{day}T20:00:00Z",
                      None if status == "unpaid" else office, batches.get(day[:7])
                      if status == "paid" else None))
    db.conn.executemany(
        "INSERT INTO payable_lines (visit_id, shopper_id, fee_minor, expenses_minor, currency, "
        "status, created_at, approved_at, approved_by, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
    appeals = []
    for visit_id, branch_id, day, question_id in db.execute(
            """SELECT v.id, v.branch_id, v.visit_date, (SELECT MIN(a.question_id)
                      FROM answers a WHERE a.visit_id = v.id AND a.outcome = 'not_met')
               FROM visits v WHERE v.id >= ? AND v.status = 'published'
                 AND v.failed_standards != ''""", [first_visit]).fetchall():
        if rng.random() >= APPEAL_SHARE or question_id is None:
            continue
        made = date.fromisoformat(day) + timedelta(days=3)
        open_ = made >= today - timedelta(days=30)
        appeals.append((visit_id, question_id, branch_id, manager, f"{made}T10:00:00Z",
                        "The standard was met: the greeting was given at the door.",
                        "open" if open_ else rng.choice(("upheld", "overturned")),
                        None if open_ else office,
                        None if open_ else f"{made + timedelta(days=4)}T10:00:00Z"))
    db.conn.executemany(
        "INSERT INTO appeals (visit_id, question_id, branch_id, made_by, made_at, reason, "
        "status, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", appeals)
    month_ahead = today + timedelta(days=30)
    db.conn.executemany(
        "INSERT INTO jobs (branch_id, checklist_id, window_start, window_end, scenario, "
        "fee_minor, expense_cap_minor, currency, wave, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, 2500, 1500, 'GBP', 'Bench wave', ?, ?)",
        [(branch_id, checklist_id, today.isoformat(), month_ahead.isoformat(),
          "Ask about a delivery for next week.", office, f"{today}T08:00:00Z")
         for (branch_id,) in db.execute("SELECT id FROM branches WHERE id >= ?",
                                        [first_branch]).fetchall()])


def _insert_visits(db, numbers, first_visit, branches, sheets, version_id, scale,
                   today, rng) -> None:
    visits, touchpoints, answers = [], [], []
    for n in numbers:
        visit_id = first_visit + n
        branch_id, level, weak, local = branches[n % len(branches)]
        sheet = rng.choice(sheets[(level, weak)])
        day = today - timedelta(days=rng.randrange(scale.days))
        published = (today - day).days > 12
        hour, minute = rng.randint(9, 16), rng.randrange(60)
        started_at = f"{day}T{hour:02d}:{minute:02d}:00Z"
        sent_at = f"{day}T{hour + 1:02d}:{minute:02d}:00Z"
        published_at = f"{day + timedelta(days=2)}T09:00:00Z" if published else None
        visits.append((visit_id, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                       rng.choice(local), branch_id, version_id,
                       "published" if published else "submitted", day.isoformat(),
                       started_at, sent_at, sent_at, published_at, sheet.score,
                       sheet.critical_failed, sent_at, published_at or sent_at))
        touchpoints += [(visit_id, tp_id, key, branch_id, day.isoformat(), moment, reason,
                         weight, earned, possible, score, critical, sent_at, int(published))
                        for (tp_id, key, weight, earned, possible, score, critical, moment,
                             reason) in sheet.touchpoints]
        answers += [(visit_id, *row, sent_at) for row in sheet.answers]
    db.conn.executemany(
        "INSERT INTO visits (id, uuid, shopper_id, branch_id, version_id, status, visit_date, "
        "started_at, ended_at, submitted_at, published_at, score, critical_failed, scored_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", visits)
    db.conn.executemany(
        "INSERT INTO visit_touchpoints (visit_id, touchpoint_id, touchpoint_key, branch_id, "
        "visit_date, moment, moment_reason, weight, earned, possible, score, critical_failed, "
        "updated_at, published) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", touchpoints)
    db.conn.executemany(
        "INSERT INTO answers (visit_id, question_id, value, na, outcome, earned, possible, "
        "observed, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", answers)


def cache_key(scale: Scale) -> str:
    """What the generated database depends on: this generator, the size, the migrations
    (a new one means a new schema) and the default checklist."""
    from sqlite_utils import Database

    from shopper.store.schema import migrations
    from shopper.workflows.demo import DEFAULT_CHECKLIST

    names = [m.name for m in migrations.pending(Database(memory=True))]
    parts = [str(GENERATOR_VERSION), json.dumps(asdict(scale)), *names,
             hashlib.sha256(DEFAULT_CHECKLIST.read_bytes()).hexdigest()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cached_database(scale: Scale, today: date) -> tuple[Path, dict]:
    """The generated instance folder for `scale`, generated now if there is none usable."""
    folder = CACHE / f"head-office-{cache_key(scale)}"
    meta_file = folder / "generated.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text())
        age = (today - date.fromisoformat(meta["generated_on"])).days
        if age <= CACHE_DAYS:
            return folder / "instance", {**meta, "cached": True}
    for stale in CACHE.glob("head-office-*"):  # other keys: an older schema or generator
        shutil.rmtree(stale, ignore_errors=True)
    folder.mkdir(parents=True)
    meta = generate(folder / "instance", scale, today)
    meta_file.write_text(json.dumps(meta, indent=2))
    return folder / "instance", {**meta, "cached": False}


def counts(db, meta: dict) -> dict:
    """Rows the generator added, counted in the database."""
    def one(sql):
        return db.execute(sql, [meta["first_visit_id"]]).fetchone()[0]
    return {"branches": db.execute("SELECT COUNT(*) FROM branches WHERE id >= ?",
                                   [meta["first_branch_id"]]).fetchone()[0],
            "visits": one("SELECT COUNT(*) FROM visits WHERE id >= ?"),
            "published": one("SELECT COUNT(*) FROM visits WHERE id >= ? "
                             "AND status = 'published'"),
            "visit_touchpoints": one("SELECT COUNT(*) FROM visit_touchpoints "
                                     "WHERE visit_id >= ?"),
            "answers": one("SELECT COUNT(*) FROM answers WHERE visit_id >= ?")}


def _client_sign_in(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    reply = client.post("/login", data={"email": OFFICE, "password": PASSWORD,
                                        "csrf_token": token})
    if reply.status_code != 302:
        raise RuntimeError(f"the test client could not sign in: {reply.status_code}")


VIEWS = (("default", ""), ("all branches", "&show=all"))


def pages(today: date) -> list[dict]:
    """Each page measured over HTTP: its default view (the first page of branches) and
    the one that shows all branches, for each period."""
    found = []
    for days in PERIODS:
        period = f"start={today - timedelta(days=days - 1)}&end={today}"
        for page, url in (("League table", "/office/league"), ("Heat map", "/office/heatmap")):
            found += [{"page": page, "view": view, "days": days,
                       "path": f"{url}?{period}{extra}"} for view, extra in VIEWS]
    return found


def run(smoke: bool) -> Section:
    from shopper import create_app
    from shopper.store import comparisons
    from shopper.store.connection import connect

    today = date.today()
    repeat, warmup = (1, 0) if smoke else (REPEAT, 1)
    with tempfile.TemporaryDirectory(prefix="bench-head-office-") as tmp:
        if smoke:
            instance = Path(tmp) / "instance"
            meta = {**generate(instance, SMOKE, today), "cached": False}
        else:
            instance, meta = cached_database(FULL, today)
        db = connect(instance / "shopper.sqlite3")
        generated = counts(db, meta)
        timings = []
        for days in PERIODS:
            scope = comparisons.Scope(today - timedelta(days=days - 1), today)
            for name, view, fn in (("League table", "default", league_page),
                                   ("League table", "all branches", comparisons.league_table),
                                   ("Heat map", "default", heat_map_page)):
                timings.append({"page": name, "view": view, "days": days, "via": "code",
                                "ms": median_ms(lambda fn=fn, s=scope: fn(db, s),
                                                repeat, warmup)})
        db.close()

        # Building each page is what is measured: the app keeps nothing between requests
        # here, as on the first view after a publication. The last column keeps pages.
        app = create_app({"INSTANCE_PATH": str(instance), "SECURE_COOKIES": False,
                          "PAGE_CACHE_BYTES": 0})
        client = app.test_client()
        _client_sign_in(client)
        for page in pages(today):
            reply = client.get(page["path"])
            if reply.status_code != 200:
                raise RuntimeError(f"{page['path']} answered {reply.status_code}")
            timings.append({**page, "via": "test client", "bytes": len(reply.data),
                            "ms": median_ms(lambda p=page["path"]: client.get(p),
                                            repeat, warmup)})
        for via, env in (("gunicorn", {"SHOPPER_PAGE_CACHE_BYTES": "0"}), ("kept", {})):
            with Gunicorn(instance=instance, workers=2, env=env) as server:
                cookie = sign_in(server.base, OFFICE, PASSWORD)
                for page in pages(today):
                    # One request per worker first: each keeps its own pages.
                    for _ in range(2 if via == "kept" else 1):
                        status, body = get(server.base, page["path"], cookie)
                    if status != 200:
                        raise RuntimeError(f"{page['path']} answered {status} under gunicorn")
                    timings.append({**page, "via": via, "bytes": len(body),
                                    "ms": median_ms(lambda p=page["path"], c=cookie: get(
                                        server.base, p, c), repeat, warmup)})
    return _section(meta, generated, timings, smoke)


def league_page(db, scope) -> list[dict]:
    """What the league page computes: every branch ranked and compared with the period
    before, the weakest touchpoints for the first page's branches only."""
    from shopper.store import comparisons
    from shopper.web.pagination import PER_PAGE

    rows = comparisons.league_table(db, scope, weakest=False)
    return comparisons.add_weakest_touchpoints(db, scope, rows[:PER_PAGE])


def heat_map_page(db, scope) -> list[dict]:
    """What the heat map page computes: every branch's cells and each region's roll-up,
    the intervals for the first page's branches and their regions only."""
    from shopper.domain.comparisons import with_region_rollups
    from shopper.store import comparisons
    from shopper.web.pagination import PER_PAGE

    rows = comparisons.heat_map(db, scope, intervals=False)["rows"]
    shown = [row for row in rows if not row["rollup"]][:PER_PAGE]
    return comparisons.add_cell_intervals(with_region_rollups(rows, shown), 3)


def _section(meta, generated, timings, smoke) -> Section:
    scale = Scale(**meta["scale"])
    by = {(t["page"], t["view"], t["days"], t["via"]): t for t in timings}
    rows, targets = [], {}
    for name in ("League table", "Heat map"):
        for view, _ in VIEWS:
            for days in PERIODS:
                code = by.get((name, view, days, "code"))
                client, served, kept = (by[(name, view, days, via)]
                                        for via in ("test client", "gunicorn", "kept"))
                rows.append([name if view == "default" else f"{name}, {view}", days,
                             f"{code['ms']:.0f}" if code else "(as above)",
                             f"{client['ms']:.0f}", f"{served['ms']:.0f}",
                             f"{kept['ms']:.1f}", f"{served['bytes'] / 1024:.0f} KB"])
                if view != "default":
                    continue
                for via, timing in (("app's code", code), ("HTTP under gunicorn", served)):
                    targets[f"{name}, {days} days, {via}"] = (
                        timing["ms"] <= TARGET_MS[days], f"≤ {TARGET_MS[days]} ms")
    load = (f"{meta['load_s']:.1f} s" + (f" (stored when generated on {meta['generated_on']};"
                                         " this run reused the database)"
                                         if meta["cached"] else ""))
    body = "\n".join([
        f"Generated on top of the demo data: {generated['branches']:,} branches in "
        f"{REGIONS} regions, {generated['visits']:,} visits over {scale.days} days "
        f"({generated['published']:,} published), {generated['visit_touchpoints']:,} "
        f"touchpoint results and {generated['answers']:,} answers "
        f"({scale.answers_per_visit} a visit), inserted with executemany in one transaction "
        "into the schema the app's migrations create, indexes in place, answers scored by "
        "the scoring engine.",
        "",
        f"Load time {load}; ANALYZE {meta['analyze_s']:.1f} s; database "
        f"{meta['db_bytes'] / 1024 / 1024:.0f} MB after a checkpoint.",
        "",
        f"Median of {repeat_text(smoke)} in ms: through the app's own functions "
        "(what each page computes: for the league, `comparisons.league_table` without "
        "weakest touchpoints, then `add_weakest_touchpoints` for the first page, as the "
        "view does; with every weakest touchpoint, as the CSV export does, in the \"all "
        "branches\" row; for the heat map, `comparisons.heat_map` without intervals, then "
        "`add_cell_intervals` for the first page and its regions, as the view does), "
        "through Flask's test client "
        "(the whole view, rendering included) and under gunicorn (2 workers) one request "
        "at a time over HTTP, signed in as head office. The test client and gunicorn "
        "columns build every page every time (`PAGE_CACHE_BYTES=0`), as on the first view "
        "after a publication; *kept* is gunicorn as configured, on a repeat view while no "
        "published result changed (shopper/web/page_cache.py). The default view shows the first "
        "page of branches; \"all branches\" is the same page with `show=all`. Targets apply "
        "to the default view, built. Page size as served.",
        "",
        table(["page", "days", "code", "test client", "gunicorn", "kept", "page size"], rows),
    ])
    figures = {"scale": asdict(scale), "generated": generated,
               "load_s": meta["load_s"], "analyze_s": meta["analyze_s"],
               "db_bytes": meta["db_bytes"], "cached": meta["cached"], "timings": timings}
    return Section("Head office at scale", body, figures, targets)


def repeat_text(smoke: bool) -> str:
    return "1 run (smoke)" if smoke else f"{REPEAT} runs after a warm-up"
