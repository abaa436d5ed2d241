"""A whole visit on a phone, as a shopper does it: start from an assignment, answer every
touchpoint (with the stopwatch and a photo), reload mid-visit, submit. The phone keeps the
visit first and its outbox sends it; the server then holds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench import field_visit
from shopper.store.connection import connect

from ..support import SHOPPER
from .conftest import PHONE, assert_fits_phone, eventually, screenshot, sign_in

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
LEEDS = {"latitude": 53.7980, "longitude": -1.5420, "accuracy": 15}


@pytest.fixture
def shopper_phone(browser, live_server):
    context = browser.new_context(**PHONE, geolocation=LEEDS, permissions=["geolocation"])
    page = context.new_page()
    sign_in(page, live_server, SHOPPER)
    yield page
    context.close()


def photo_file() -> Path:
    return FIXTURES / "hopper.jpg"


def wait_saved(page):
    expect(page.locator("[data-save-state]")).to_have_text(re.compile(r"^Saved"))


def wait_all_sent(page, timeout=30000):
    """Wait for the outbox to say so (check the server itself for what was sent)."""
    expect(page.locator("[data-outbox-status]")).to_have_text("All sent", timeout=timeout)


def start_leeds(page):
    page.locator(".assignment", has_text="Leeds Briggate").get_by_role(
        "button", name="Start visit").click()
    page.wait_for_url("**/field/shell/*/1#*")


def give_visit_times(page):
    """On the review screen: the visit's date and times, as a shopper fills them in after
    leaving; the review then no longer asks for them."""
    field_visit.give_visit_times(page)
    expect(page.locator("[data-missing]")).not_to_contain_text("time in and time out")


def answer_screen(page):
    """Answer every question on the current screen the way a thumb would, top to bottom:
    a question an answer brings up is answered too, and a note or photo an answer asks
    for is given."""
    for section in field_visit.questions_asked(page):
        if section.locator(".stopwatch").count():
            section.get_by_role("button", name="Start").click()
            page.wait_for_timeout(1300)
            section.get_by_role("button", name="Stop").click()
        elif section.locator(".segmented").count():
            section.locator(".segment span", has_text=re.compile(
                f"^{first_or_standard(section)}$")).first.click()
        elif section.locator(".count-buttons").count():
            section.locator(".count", has_text=re.compile(r"^2$")).click()
        elif section.locator("input[inputmode=decimal]").count():
            section.locator("input[inputmode=decimal]").fill("2")
        elif section.locator("[data-photos]").count():
            section.locator("input[type=file]:not([capture])").set_input_files(photo_file())
            section.locator(".thumb img").wait_for()
        elif section.locator("textarea[name^=q-]").count():
            section.locator("textarea[name^=q-]").fill("Priya")
        elif section.locator(".choice").count():
            section.locator(".choice span").first.click()
        give_evidence(section)
    page.locator(".moment .segment span", has_text="Golden").click()
    page.get_by_label("Why, in one line").fill("Greeted by name")
    wait_saved(page)


def first_or_standard(section) -> str:
    """The answer a thumb gives to a yes/no or 1–5 question: the first one offered, except
    that a standard to be met by "No" (no hazard, no pressure) gets "No": the branch did
    well, so no evidence is called for."""
    question = field_visit.QUESTIONS.get(section.get_attribute("data-key"))
    if question and question.kind == "yes_no" and question.expected == "no":
        return "No"
    return section.locator(".segment span").first.inner_text()


def give_evidence(section):
    """The note and the photo an answer calls for, when the screen asks for them."""
    note = section.locator("[data-evidence-note]")
    if note.count() and note.is_visible():
        section.locator("textarea[name^=note-]").fill("As I saw it at the desk.")
    photo = section.locator("[data-evidence-photo]")
    if photo.count() and photo.is_visible() and not photo.locator(".thumb").count():
        photo.locator("input[type=file]:not([capture])").set_input_files(photo_file())
        photo.locator(".thumb img").wait_for()


def test_a_whole_visit_on_a_phone(live_server, shopper_phone, app):
    page = shopper_phone
    start_leeds(page)
    uuid = page.url.split("#")[1]

    names = page.locator(".steps .step").all_inner_texts()
    count = len(names) - 1  # the last step is "review"
    assert count == 6
    for position in range(1, count + 1):
        assert f"{position}/{count}" in page.locator(".progress").inner_text()
        answer_screen(page)
        assert_fits_phone(page)
        screenshot(page, f"visit-touchpoint-{position}-phone")
        if position == 2:  # reload mid-visit: everything is still there
            page.reload()
            expect(page.locator(".moment input[value=golden]")).to_be_checked()
            expect(page.get_by_label("Why, in one line")).to_have_value("Greeted by name")
        page.locator(".step-buttons .button-primary").click()
        page.wait_for_url(f"**/shell/*/{position + 1}#*" if position < count
                          else "**/shell/*/review#*")

    assert "/review#" in page.url
    expect(page.locator("[data-missing]")).to_contain_text("The visit's date, time in and time out")
    give_visit_times(page)
    page.get_by_role("button", name="Submit visit").wait_for()
    assert page.locator("[data-missing]").is_hidden()
    screenshot(page, "visit-review-phone")
    page.get_by_role("button", name="Submit visit").click()
    page.wait_for_url("**/field/")
    # With signal the submit is sent there and then, and says so: one clear state.
    assert "Sent: your visit to Leeds Briggate is with head office" in page.inner_text("main")
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT status FROM visits WHERE uuid = ?", [uuid]).fetchone() == (
        "submitted",)
    wait_all_sent(page)
    # At once under sent visits, before any reload, and it opens read-only.
    expect(page.locator(".list .row", has_text="Leeds Briggate").first).to_be_visible()
    page.reload()
    sent = page.locator(".list .row", has_text="Leeds Briggate").first
    assert "waiting for review" in sent.inner_text()
    assert_fits_phone(page)
    screenshot(page, "visit-sent-phone")

    visit = next(db.query("SELECT * FROM visits WHERE uuid = ?", [uuid]))
    assert visit["status"] == "submitted" and visit["score"] is not None
    assert visit["position_status"] == "given" and visit["position_distance_m"] < 100
    assert db.execute("SELECT COUNT(*) FROM photos WHERE visit_id = ?",
                      [visit["id"]]).fetchone()[0] >= 1
    wait = db.execute(
        """SELECT a.value FROM answers a JOIN questions q ON q.id = a.question_id
           WHERE a.visit_id = ? AND q.kind = 'duration' AND a.value IS NOT NULL""",
        [visit["id"]]).fetchall()
    assert wait and all(int(v[0]) >= 1 for v in wait)
    db.close()


def test_the_stopwatch_keeps_running_through_a_reload(live_server, shopper_phone):
    page = shopper_phone
    start_leeds(page)
    watch = page.locator(".stopwatch").first
    watch.get_by_role("button", name="Start").click()
    page.wait_for_timeout(1200)
    page.reload()
    watch = page.locator(".stopwatch").first
    watch.get_by_role("button", name="Stop").wait_for()  # still running after the reload
    page.wait_for_timeout(1200)
    watch.get_by_role("button", name="Stop").click()
    wait_saved(page)
    seconds = int(watch.locator("input").input_value())
    assert seconds >= 2
    page.reload()
    expect(page.locator(".stopwatch input").first).to_have_value(str(seconds))


def test_a_photo_too_big_for_the_phone_is_downscaled_before_upload(live_server, shopper_phone,
                                                                  tmp_path, app):
    """A 4.5 MB, 4000×3000 camera photo goes up at most 2000 px wide, well under 1 MB."""
    from PIL import Image
    big = tmp_path / "camera.jpg"
    scene = Image.open(photo_file()).convert("RGB").resize((4000, 3000), Image.BICUBIC)
    grain = Image.effect_noise((4000, 3000), 40).convert("RGB")
    Image.blend(scene, grain, 0.12).save(big, "JPEG", quality=95)
    assert big.stat().st_size > 4_000_000
    page = shopper_phone
    start_leeds(page)
    uuid = page.url.split("#")[1]
    page.locator(".steps .step", has_text="2").click()
    page.wait_for_url("**/shell/*/2#*")
    page.locator("#moment input[type=file]:not([capture])").set_input_files(big)
    page.locator("#moment .thumb img").wait_for()
    db = connect(app.config["DATABASE"])
    mine = "FROM photos p JOIN visits v ON v.id = p.visit_id WHERE v.uuid = ?"
    eventually(lambda: db.execute(f"SELECT COUNT(*) {mine}", [uuid]).fetchone() == (1,))
    sent, width, height = db.execute(f"SELECT upload_bytes, width, height {mine}",
                                     [uuid]).fetchone()
    assert sent < big.stat().st_size / 2 and sent < 1_000_000, (sent, big.stat().st_size)
    assert (width, height) == (1600, 1200)
    db.close()
    screenshot(page, "visit-photo-phone")


def test_each_photo_crosses_the_network_once_at_a_persons_pace(live_server, shopper_phone,
                                                               app):
    """Two photos, then six more taps a second and a half apart, each saved and sent as it
    happens: the server receives each photo once (it was sent again after every later
    tap while the page wrote its stale copy of the visit over what the outbox had
    confirmed)."""
    page = shopper_phone
    photo_puts, visit_puts = [], []
    # On the context: the service worker's requests too (it sends for the pages).
    page.context.on("request", lambda r: (photo_puts if "/photos/" in r.url else visit_puts)
                    .append(r.url) if r.method == "PUT" else None)
    start_leeds(page)
    uuid = page.url.split("#")[1]
    page.locator(".steps .step", has_text="2").click()
    page.wait_for_url("**/shell/*/2#*")
    picker = page.locator("#moment input[type=file]:not([capture])")
    for name in ("hopper.jpg", "hopper_orientation_3.jpg"):
        picker.set_input_files(FIXTURES / name)
        page.wait_for_timeout(1500)
    wait_all_sent(page)
    for tap in range(6):
        page.locator(".moment .segment span", has_text=("Golden", "Dull")[tap % 2]).click()
        page.wait_for_timeout(1500)
    wait_all_sent(page)
    db = connect(app.config["DATABASE"])
    held = db.execute("SELECT COUNT(*) FROM photos p JOIN visits v ON v.id = p.visit_id "
                      "WHERE v.uuid = ?", [uuid]).fetchone()[0]
    db.close()
    assert held == 2
    assert len(photo_puts) == 2, photo_puts
    # Eight changes over about twelve seconds: the visit goes out together, at most once
    # every five seconds, not once a tap.
    assert len(visit_puts) <= 4, visit_puts
