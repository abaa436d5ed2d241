"""Sync under load: visits queued on phones (each with three photos, already downscaled as
the phone sends them) pushed through the sync API by parallel clients, each a shopper of
its own signed in on its own phone, against the app under gunicorn (gunicorn.conf.py, 2
workers). Then the database must hold exactly the visits and photos sent, all submitted."""

from __future__ import annotations

import hashlib
import statistics
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from shopper.store import accounts
from shopper.store.assignments import AssignmentRequest, create_assignments
from shopper.store.checklists import StoredVersion, latest_version_id, load_version
from shopper.store.connection import connect

from .camera import downscaled_jpeg
from .client import Phone
from .common import Section, table
from .server import FAST_HASH, PASSWORD, Gunicorn, demo_instance

CLIENTS = 8
VISITS, SMOKE_VISITS = 200, 8
PHOTOS_PER_VISIT = 3
WORKERS = 2
DISTINCT_PICTURES = 6  # every photo's bytes still differ (see `photo_bytes`)


def run(smoke: bool) -> Section:
    total = SMOKE_VISITS if smoke else VISITS
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        instance = demo_instance(Path(folder) / "instance")
        db = connect(instance / "shopper.sqlite3")
        try:
            plan = prepare(db, total)
            before = counts(db, plan["shopper_ids"], instance / "photos")
            pictures = [downscaled_jpeg(seed) for seed in range(2 if smoke else DISTINCT_PICTURES)]
            with Gunicorn(instance=instance, workers=WORKERS) as server:
                timing = push(server.base, plan, pictures)
            after = counts(db, plan["shopper_ids"], instance / "photos")
        finally:
            db.close()
    figures = {"visits": total, "clients": CLIENTS, "workers": WORKERS, **timing,
               "photo_kib": statistics.mean(len(p) for p in pictures) / 1024,
               "before": before, "after": after,
               "visits_per_s": total / timing["seconds"],
               "photos_per_s": total * PHOTOS_PER_VISIT / timing["seconds"]}
    expected = {"visits": total, "submitted": total, "photos": total * PHOTOS_PER_VISIT,
                "photo_files": 2 * total * PHOTOS_PER_VISIT}
    held = {key: after[key] - before[key] for key in expected}
    figures["held"], figures["expected"] = held, expected
    figures["passed"] = passed = held == expected and after["all_visits"] - before[
        "all_visits"] == total
    section = Section(title="Sync under load", body=_body(figures), figures=figures,
                      targets={"database holds exactly what was sent": (
                          passed, f"{total} visits, {total * PHOTOS_PER_VISIT} photos")})
    if not passed:
        raise AssertionError(f"sync lost or duplicated something:\n{section.markdown()}")
    return section


def prepare(db, total: int) -> dict:
    """A shopper per client, and an open assignment for each visit it will send: at most
    one per branch per week, so that no assignment clashes with another."""
    checklist_id = db.execute("SELECT id FROM checklists ORDER BY id LIMIT 1").fetchone()[0]
    version = load_version(db, latest_version_id(db, checklist_id))
    branches = [r[0] for r in db.execute("SELECT id FROM branches WHERE active = 1 ORDER BY id")]
    office = db.execute("SELECT id FROM users WHERE role = 'office' LIMIT 1").fetchone()[0]
    clients = []
    for n in range(CLIENTS):
        email = f"bench.phone{n + 1}@demo.test"
        shopper_id = accounts.create_user(db, email=email, name=f"Bench Phone {n + 1}",
                                          role="shopper", password=PASSWORD, method=FAST_HASH)
        share = total // CLIENTS + (1 if n < total % CLIENTS else 0)
        for week, start in enumerate(range(0, share, len(branches))):
            # windows past by a week or more: a visit's date is in its window, never ahead
            first_day = date.today() - timedelta(weeks=week + 1)
            request = AssignmentRequest(branches[: share - start], shopper_id, checklist_id,
                                        first_day, first_day + timedelta(days=5),
                                        "Benchmark visit", 0)
            create_assignments(db, request, office)
        assignments = [tuple(r) for r in db.execute(
            "SELECT id, window_start FROM assignments WHERE shopper_id = ? AND status = 'open' "
            "ORDER BY id",
            [shopper_id])]
        if len(assignments) != share:
            raise RuntimeError(f"{email} got {len(assignments)} assignments, not {share}")
        clients.append({"email": email, "shopper_id": shopper_id, "assignments": assignments})
    return {"version": version, "clients": clients,
            "shopper_ids": [c["shopper_id"] for c in clients]}


def visit_payload(version: StoredVersion, assignment_id: int, photos: list[dict],
                  day: str) -> dict:
    """A whole visit as static/outbox.js sends it: every question answered (every standard
    met), a golden moment, the photos listed, the visit's date and times (on `day`), and
    asked to be submitted."""
    best = {"yes_no": lambda q: q.expected, "scale": lambda q: 5, "number": lambda q: q.target,
            "duration": lambda q: q.target, "text": lambda q: "Priya",
            "choice": lambda q: max(q.options, key=lambda o: o.points).label,
            "multi_choice": lambda q: [o.label for o in q.options]}
    answers = [{"question_id": version.question_ids[(tp.key, q.key)], "value": best[q.kind](q),
                "na": False, "note": ""}
               for tp, q in version.checklist.questions() if q.kind != "photo"]
    return {"assignment_id": assignment_id, "version_id": version.id,
            "started_at": f"{date.today().isoformat()}T09:30:00Z",
            "position": {"status": "given", "latitude": 53.798, "longitude": -1.542,
                         "accuracy_m": 12},
            "answers": answers,
            "touchpoints": [{"touchpoint_id": version.touchpoint_ids["reception"],
                             "moment": "golden", "reason": "Greeted by name", "note": ""}],
            "photos": photos, "submit": True, "reply": "",
            "timing": {"date": day, "time_in": "09:30", "time_out": "10:05"}}


def photo_bytes(picture: bytes, photo_uuid: str) -> bytes:
    """The picture with the photo's id in a JPEG comment right after the start marker: the
    same decoding work, but bytes (and sha256) of its own, as every real photo has."""
    comment = photo_uuid.encode()
    return picture[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + \
        picture[2:]


def queued_visits(version: StoredVersion, assignments: list[tuple[int, str]],
                  pictures: list[bytes],
                  offset: int) -> list[tuple[str, dict, list[tuple[str, bytes]]]]:
    """What one phone has queued: (visit uuid, payload, [(photo uuid, bytes)]) per visit, the
    three photos being the receipt, the car park and one of the reception."""
    places = [{"question_id": version.question_ids[("service_desk", "receipt_photo")],
               "touchpoint_id": None, "caption": "Receipt"},
              {"question_id": version.question_ids[("parking", "car_park_photo")],
               "touchpoint_id": None, "caption": "Car park"},
              {"question_id": None, "touchpoint_id": version.touchpoint_ids["reception"],
               "caption": "Reception desk"}]
    queue = []
    for i, (assignment_id, day) in enumerate(assignments):
        photos, listed = [], []
        for j, place in enumerate(places):
            photo_uuid = str(uuid.uuid4())
            data = photo_bytes(pictures[(offset + i * len(places) + j) % len(pictures)],
                               photo_uuid)
            photos.append((photo_uuid, data))
            listed.append({"uuid": photo_uuid, "sha256": hashlib.sha256(data).hexdigest(),
                           **place})
        queue.append((str(uuid.uuid4()), visit_payload(version, assignment_id, listed, day),
                      photos))
    return queue


def push(base: str, plan: dict, pictures: list[bytes]) -> dict:
    """Every client signs in, then all start together and send their queue as the outbox
    does: the visit (submit: true, status "incomplete" until its photos are in), then each
    photo; the last photo's reply must say "submitted"."""
    version = plan["version"]
    queues = [queued_visits(version, c["assignments"], pictures, n)
              for n, c in enumerate(plan["clients"])]
    phones = [Phone(base).sign_in(c["email"]) for c in plan["clients"]]
    start = threading.Barrier(len(phones) + 1)
    latencies = {"visit": [], "photo": []}
    failures: list[str] = []

    def send(phone: Phone, queue: list) -> None:
        start.wait()
        try:
            for visit_uuid, payload, photos in queue:
                began = time.perf_counter()
                state = phone.put_visit(visit_uuid, payload)
                latencies["visit"].append(time.perf_counter() - began)
                for photo_uuid, data in photos:
                    began = time.perf_counter()
                    state = phone.put_photo(visit_uuid, photo_uuid, data)
                    latencies["photo"].append(time.perf_counter() - began)
                if state["status"] != "submitted" or state["missing_photos"]:
                    failures.append(f"{visit_uuid} ended {state['status']}")
        except RuntimeError as err:
            failures.append(str(err))

    threads = [threading.Thread(target=send, args=(phone, queue))
               for phone, queue in zip(phones, queues, strict=True)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if failures:
        raise AssertionError(f"{len(failures)} sends failed, first: {failures[0]}")
    return {"seconds": seconds,
            "visit_ms": _quantiles(latencies["visit"]), "photo_ms": _quantiles(latencies["photo"])}


def _quantiles(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"median": statistics.median(ms), "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))]}


def counts(db, shopper_ids: list[int], photo_folder: Path) -> dict:
    """What the database holds for the benchmark's shoppers (and in all), and how many
    photo files are on disk."""
    marks = ",".join("?" * len(shopper_ids))
    mine = f"FROM visits WHERE shopper_id IN ({marks})"
    return {"visits": db.execute(f"SELECT COUNT(*) {mine}", shopper_ids).fetchone()[0],
            "submitted": db.execute(f"SELECT COUNT(*) {mine} AND status = 'submitted'",
                                    shopper_ids).fetchone()[0],
            "photos": db.execute(f"SELECT COUNT(*) FROM photos WHERE visit_id IN (SELECT id "
                                 f"{mine})", shopper_ids).fetchone()[0],
            "photo_files": sum(1 for path in photo_folder.rglob("*.jpg")),
            "all_visits": db.execute("SELECT COUNT(*) FROM visits").fetchone()[0]}


def _body(f: dict) -> str:
    photos = f["visits"] * PHOTOS_PER_VISIT
    rows = [["visits", f["visits"], f"{f['visits_per_s']:.1f}",
             f"{f['visit_ms']['median']:.0f}", f"{f['visit_ms']['p95']:.0f}"],
            ["photos", photos, f"{f['photos_per_s']:.1f}",
             f"{f['photo_ms']['median']:.0f}", f"{f['photo_ms']['p95']:.0f}"]]
    held = f["held"]
    verdict = "PASS" if f["passed"] else "FAIL"
    return "\n".join([
        f"{f['visits']} visits queued on {f['clients']} phones (one shopper each, signed in), "
        f"each visit with {PHOTOS_PER_VISIT} photos of about {f['photo_kib']:.0f} KiB "
        "(2000×1500 JPEGs, as the phone's downscale sends them), pushed through the sync API "
        f"by {f['clients']} parallel clients to gunicorn with {f['workers']} sync workers: "
        "`PUT /api/v1/visits/{uuid}` with submit, then each "
        "`PUT /api/v1/visits/{uuid}/photos/{photo}` (processed by the server as any upload). "
        f"All done in **{f['seconds']:.1f} s**. The clients run on the same machine as the "
        "server and take some of its CPU.",
        "",
        table(["sent", "count", "per second", "median ms per request", "p95 ms"], rows),
        "",
        f"**{verdict}**: the database then holds {held['visits']} new visits "
        f"({held['submitted']} submitted, in the review queue) and {held['photos']} photos "
        f"({held['photo_files']} files: display copy and thumbnail each); sent were "
        f"{f['expected']['visits']} and {f['expected']['photos']}.",
    ])
