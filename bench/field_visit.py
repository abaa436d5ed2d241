"""Bytes of a whole visit at a person's pace: a shopper's phone (Chromium at 390×844)
does the default checklist with a tap every 1-2 s and four 12-megapixel photos, through a
relay (bench.relay.Meter) that counts every byte each way, by kind: pages, static files,
the outbox's visit PUTs and photo PUTs, thumbnails, other. Target (issue 14): all that is
uploaded ≤ 1.1 × (the photos as the phone downscaled them + one visit JSON), and the
status bar never says "Failed" while the network is good.

What the status bar says is read by `OutboxStatusLog`: every text the outbox's bar
(`[data-outbox-status]`) shows, in order and timed, through a MutationObserver installed in
every page of a Playwright context before the page's own scripts run. The browser tests of
the field's network (tests/browser/test_field_network.py) read it too."""

from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright

from shopper.domain.checklist_format import load_checklist_file
from shopper.store.connection import connect

from .camera import TWELVE_MEGAPIXELS, camera_jpeg
from .common import Section, table
from .page_bytes import CHROMIUM, FLAGS, LEEDS, PHONE, sign_in
from .relay import Exchange, Meter
from .server import Gunicorn, demo_instance

OBSERVER = """(() => {
  let last = null;
  const report = () => {
    const bar = document.querySelector("[data-outbox-status]");
    if (!bar) return;
    const text = bar.hidden ? "" : bar.textContent.trim();
    const kind = bar.dataset.kind || "";
    if (`${kind}|${text}` === last) return;
    last = `${kind}|${text}`;
    window.outboxStatusShown(text, kind, Date.now());
  };
  new MutationObserver(report).observe(document, { subtree: true, childList: true,
    characterData: true, attributes: true, attributeFilter: ["hidden", "data-kind"] });
})();"""


@dataclass
class Shown:
    at: float  # when the page showed it (time.time(), from the page's own clock)
    text: str
    kind: str  # the bar's data-kind: "ok", "busy", "error"


class OutboxStatusLog:
    """Start it before the context opens its pages; `shown` fills as the bar changes."""

    def __init__(self, context):
        self.context = context
        self.shown: list[Shown] = []
        context.expose_function("outboxStatusShown", self._note)
        context.add_init_script(script=OBSERVER)

    def _note(self, text: str, kind: str, at_ms: float) -> None:
        self.shown.append(Shown(at_ms / 1000, text, kind))

    def _catch_up(self) -> None:
        """Take in what the pages reported while this thread slept: Playwright's sync API
        delivers their calls only while it is itself busy with a page."""
        for page in self.context.pages:
            if not page.is_closed():
                page.evaluate("0")

    def texts(self) -> list[str]:
        """Each text shown, once, in the order first shown; the bar hidden is left out."""
        self._catch_up()
        return list(dict.fromkeys(s.text for s in self.shown if s.text))

    def failures(self) -> list[str]:
        """What the bar said in red, or with the word "Failed"."""
        self._catch_up()
        return list(dict.fromkeys(s.text for s in self.shown
                                  if s.kind == "error" or "Failed" in s.text))

    def longest(self, pattern: str) -> float:
        """The longest time, in seconds, that a text matching `pattern` stayed on the bar
        (the text on it now counts until now)."""
        self._catch_up()
        longest = 0.0
        for shown, after in zip(self.shown, self.shown[1:] + [None], strict=True):
            if re.search(pattern, shown.text):
                until = after.at if after else time.time()
                longest = max(longest, until - shown.at)
        return longest


# -- the benchmark ------------------------------------------------------------------------

KINDS = ["pages", "static", "visit PUTs", "photo PUTs", "thumbnails", "other"]
PHOTO_COUNT = 4
SMOKE_PHOTO = (1008, 756)
TARGET_RATIO = 1.1
KB = 1000
# Where the visit's four photos are taken: (touchpoint position, question text or None
# for the touchpoint's own photos).
PHOTO_PLACES = [(1, None), (2, "photo of the car park"), (4, None), (4, "photo of your receipt")]


def run(smoke: bool) -> Section:
    """Whole visits at a person's pace, each on a fresh demo instance under gunicorn,
    through a relay that counts every byte; medians over the runs."""
    runs, size, pace = (1, SMOKE_PHOTO, (0.2, 0.4)) if smoke else (3, TWELVE_MEGAPIXELS, (1, 2))
    with tempfile.TemporaryDirectory(prefix="bench-field-") as folder:
        photos = []
        for seed in range(1, PHOTO_COUNT + 1):
            photos.append(Path(folder) / f"camera-{seed}.jpg")
            photos[-1].write_bytes(camera_jpeg(size, seed=seed))
        camera_bytes = sum(p.stat().st_size for p in photos)
        visits = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                for n in range(runs):
                    instance = demo_instance(Path(folder) / f"instance-{n}")
                    with Gunicorn(instance=instance) as server:
                        meter = Meter(server.port)
                        try:
                            visits.append(one_visit(browser, server.base, meter, instance,
                                                    photos, random.Random(n), pace))
                        finally:
                            meter.close()
            finally:
                browser.close()
    figures = summarise(visits, camera_bytes, size)
    return Section(
        title="Bytes of a whole visit at a person's pace", body=_body(figures, pace),
        figures=figures,
        targets={"uploaded, all told": (
                     figures["ratio"] <= TARGET_RATIO,
                     f"≤ {TARGET_RATIO} × (the photos as downscaled + one visit JSON)"),
                 "\"Failed\" shown while online": (not figures["failures"], "never")})


def one_visit(browser, base: str, meter: Meter, instance: Path, photos: list[Path],
              rng: random.Random, pace: tuple[float, float]) -> dict:
    """Open home (signed in already), start the Leeds visit, answer every question of every
    touchpoint with a tap or two (typing where the screen asks for it), four photos on the
    way, submit; then wait until the server holds it all and the network is quiet."""
    context = browser.new_context(**PHONE, geolocation=LEEDS, permissions=["geolocation"])
    statuses = OutboxStatusLog(context)
    try:
        sign_in(context, base)
        page = context.new_page()
        mark = meter.mark()
        page.goto(f"{meter.base}/field/")
        page.locator("html[data-offline-ready='1']").wait_for(state="attached", timeout=60_000)

        def pause():
            page.wait_for_timeout(rng.uniform(*pace) * 1000)

        def tap(target):
            target.click()
            pause()

        tap(page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
            "button", name="Start visit"))
        page.wait_for_url("**/field/shell/*/1#*")
        uuid = page.url.split("#")[1]
        count = page.locator(".steps .step").count() - 1
        for position in range(1, count + 1):
            answer_screen(page, tap, pause)
            tap(page.locator(".moment .segment span", has_text="Golden"))
            for photo, (where, question) in zip(photos, PHOTO_PLACES, strict=True):
                if where == position:
                    _add_photo(page, question, photo, pause)
            tap(page.locator(".step-buttons .button-primary"))
            page.wait_for_url(f"**/shell/*/{position + 1}#*" if position < count
                              else "**/shell/*/review#*")
        give_visit_times(page, pause)
        tap(page.get_by_role("button", name="Submit visit"))
        page.wait_for_url("**/field/")
        held = _wait_until_held(instance, uuid)
        page.locator("[data-outbox-status]", has_text="All sent").wait_for(timeout=60_000)
        meter.settle(2.0, timeout=60)
        return {"exchanges": meter.since(mark), "held": held,
                "failures": statuses.failures(), "texts": statuses.texts()}
    finally:
        context.close()


def give_visit_times(page, pause=lambda: None) -> None:
    """On the review screen: the visit's date and times at the branch (Europe/London),
    just past, as a shopper fills them in after leaving."""
    now = datetime.now(ZoneInfo("Europe/London"))
    day, hour = (now.date(), "00") if now.hour >= 1 else (now.date() - timedelta(days=1), "22")
    card = page.locator("[data-timing]")
    for label, value in (("Date", day.isoformat()), ("Time in", f"{hour}:05"),
                         ("Time out", f"{hour}:40")):
        card.get_by_label(label).fill(value)
        pause()


CHECKLIST = load_checklist_file(Path(__file__).resolve().parents[1] / "checklists"
                                / "moments-of-truth.toml")
QUESTIONS = {f"{tp.key}.{q.key}": q for tp, q in CHECKLIST.questions()}


def questions_asked(page):
    """The questions a touchpoint screen asks, top to bottom, each once: a question an
    answer brings up comes in its turn, one an answer hides is left alone."""
    done = set()
    while True:
        waiting = [s for s in page.locator("section.question:not(.moment)").all()
                   if s.is_visible() and s.get_attribute("id") not in done]
        if not waiting:
            return
        done.add(waiting[0].get_attribute("id"))
        yield waiting[0]


def answer_screen(page, tap, pause) -> None:
    """Every question the screen asks, as a shopper at a good branch answers it."""
    for section in questions_asked(page):
        _answer(section, tap, pause)


def _answer(section, tap, pause) -> None:
    """One question as a thumb answers it: a tap on a choice (the one meeting the
    standard, as the checklist file says), the stopwatch's Start and Stop, or a few
    characters typed where the screen gives only a text box."""
    kind = section.get_attribute("data-kind")
    question = QUESTIONS.get(section.get_attribute("data-key"))
    if kind == "duration":
        tap(section.get_by_role("button", name="Start"))
        tap(section.get_by_role("button", name="Stop"))
    elif kind == "yes_no":
        label = "No" if question and question.expected == "no" and not question.gate else "Yes"
        tap(section.locator(".segment span", has_text=re.compile(f"^{label}$")))
    elif kind == "scale":
        tap(section.locator(".segment span", has_text=re.compile(r"^4$")))
    elif kind == "choice":
        tap(section.locator(".choice span").first)
    elif kind == "multi_choice":
        for option in section.locator(".choice span").all()[:2]:
            tap(option)
    elif kind == "number" and section.locator(".count-buttons").count():
        tap(section.locator(".count", has_text=re.compile(r"^0$")))
    elif kind == "number":
        section.locator("input[inputmode=decimal]").fill("2")
        pause()
    elif kind == "text":
        section.locator("textarea[name^=q-]").fill("Priya")
        pause()


def _add_photo(page, question: str | None, photo: Path, pause) -> None:
    """A photo from the gallery: for `question`, or for the touchpoint itself."""
    where = (page.locator("section.question", has_text=question) if question
             else page.locator("#moment"))
    shown = where.locator(".thumb img").count()
    where.locator("input[type=file]:not([capture])").set_input_files(photo)
    where.locator(".thumb img").nth(shown).wait_for(timeout=60_000)
    pause()


def _wait_until_held(instance: Path, uuid: str, timeout: float = 120) -> dict:
    """The visit as the server holds it once submitted with every photo: its photos'
    bytes as uploaded (after the phone's downscale) and as the server keeps them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db = connect(str(instance / "shopper.sqlite3"))
        try:
            row = db.execute(
                """SELECT v.status, COUNT(p.id), SUM(p.upload_bytes), SUM(p.display_bytes)
                   FROM visits v LEFT JOIN photos p ON p.visit_id = v.id
                   WHERE v.uuid = ? GROUP BY v.id""", [uuid]).fetchone()
        finally:
            db.close()
        if row and row[0] == "submitted" and row[1] == PHOTO_COUNT:
            return {"photos": row[1], "upload_bytes": row[2], "display_bytes": row[3]}
        time.sleep(0.5)
    raise TimeoutError(f"the server never held the submitted visit with its photos: {row}")


def kind_of(exchange: Exchange) -> str:
    path = exchange.path.split("?")[0]
    if exchange.method == "PUT" and "/photos/" in path:
        return "photo PUTs"
    if exchange.method == "PUT" and path.startswith("/api/v1/visits/"):
        return "visit PUTs"
    if path.startswith("/photos/"):
        return "thumbnails"
    if path.startswith(("/static/", "/sw.js")):
        return "static"
    if exchange.method in ("GET", "POST") and (path == "/" or path.startswith(
            ("/field/", "/login", "/logout"))):
        return "pages"
    return "other"


def _one(visit: dict) -> dict:
    """One visit's figures: requests and bytes up and down by kind, and the target's
    terms (one visit JSON is the last visit PUT's body: the whole visit, submitted)."""
    exchanges = visit["exchanges"]
    if not all(e.one_request for e in exchanges):
        raise RuntimeError("a connection carried two requests: the meter would misattribute")
    kinds = {kind: {"requests": 0, "up": 0, "down": 0} for kind in KINDS}
    for exchange in exchanges:
        row = kinds[kind_of(exchange)]
        row["requests"] += 1
        row["up"] += len(exchange.request)
        row["down"] += len(exchange.response)
    visit_json = len([e for e in exchanges if kind_of(e) == "visit PUTs"][-1].request_body)
    up = sum(row["up"] for row in kinds.values())
    needed = visit["held"]["upload_bytes"] + visit_json
    return {"kinds": kinds, "up": up, "down": sum(row["down"] for row in kinds.values()),
            "visit_json": visit_json, "photo_bytes": visit["held"]["upload_bytes"],
            "display_bytes": visit["held"]["display_bytes"], "needed": needed,
            "ratio": up / needed}


def summarise(visits: list[dict], camera_bytes: int, size: tuple[int, int]) -> dict:
    each = [_one(v) for v in visits]
    median = statistics.median
    return {
        "runs": len(each),
        "kinds": {kind: {key: median(e["kinds"][kind][key] for e in each)
                         for key in ("requests", "up", "down")} for kind in KINDS},
        **{key: median(e[key] for e in each)
           for key in ("up", "down", "visit_json", "photo_bytes", "display_bytes", "needed",
                       "ratio")},
        "ratios": [round(e["ratio"], 2) for e in each],
        "camera": {"bytes": camera_bytes, "size": size},
        "failures": sorted({text for v in visits for text in v["failures"]}),
        "texts": list(dict.fromkeys(text for v in visits for text in v["texts"])),
    }


def _kb(n: float) -> str:
    return f"{n / KB:.1f}"


def _body(f: dict, pace: tuple[float, float]) -> str:
    rows = [[kind, f"{row['requests']:g}", _kb(row["up"]), _kb(row["down"])]
            for kind, row in f["kinds"].items()]
    rows.append(["**all**", f"{sum(r['requests'] for r in f['kinds'].values()):g}",
                 _kb(f["up"]), _kb(f["down"])])
    width, height = f["camera"]["size"]
    return "\n".join([
        f"A shopper's phone (Chromium, 390×844) does a whole visit of the default checklist "
        f"at a person's pace, a tap every {pace[0]:g}–{pace[1]:g} s: opens home (signed in), "
        f"starts the visit, answers every question, marks each moment, adds {PHOTO_COUNT} "
        f"gallery photos of {width}×{height} ({_kb(f['camera']['bytes'])} KB in all) "
        "through the page's file inputs, and submits; until the server holds it all and "
        "the network is quiet. A relay between the browser and gunicorn counts every byte "
        "each way, headers included. Medians of "
        f"{f['runs']} visit(s), each on a fresh demo instance. 1 KB = 1000 bytes.",
        "",
        table(["what", "requests", "up KB", "down KB"], rows),
        "",
        f"Uploaded in all: **{_kb(f['up'])} KB**, against the "
        f"{_kb(f['photo_bytes'])} KB of the photos as the phone downscaled them (as the "
        f"server records them; its own display copies: {_kb(f['display_bytes'])} KB) plus "
        f"one visit JSON of {_kb(f['visit_json'])} KB: **{f['ratio']:.2f}×** "
        f"(each visit: {', '.join(f'{r:.2f}×' for r in f['ratios'])}).",
        "",
        "What the status bar said, in order first seen: "
        + "; ".join(f"\"{t}\"" for t in f["texts"]) + ".",
    ])
