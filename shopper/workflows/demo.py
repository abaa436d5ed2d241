"""The demo data set: branches in four regions, the default checklist, one account per
role and seven months of scored visits of varied quality, with the programme around them:
the demo manager's branch has a scorecard just published, actions open, due and overdue,
appeals upheld, overturned and waiting, and a handful of messages wait in the mail outbox. Deterministic and idempotent: running it
again changes nothing (every visit has a fixed UUID, every message a key)."""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, date, datetime, timedelta

from PIL import Image, ImageDraw

from shopper.config import PROJECT_ROOT
from shopper.domain import money
from shopper.domain.checklist_format import Question, load_checklist_file
from shopper.domain.checklist_logic import evidence_needed, visibility
from shopper.domain.photos import process_photo
from shopper.domain.scoring import Answer, fails_standard
from shopper.domain.visit_timing import parse_timing
from shopper.store import accounts, actions, assignments, branches, visits
from shopper.store import appeals as appeal_rows
from shopper.store import jobs as job_rows
from shopper.store import payments as payment_rows
from shopper.store import quizzes as quiz_rows
from shopper.store.checklists import checklist_id_of_slug, import_checklist, load_version
from shopper.store.connection import Database
from shopper.store.visits import (
    add_photo,
    change_status,
    record_answers,
    record_moment,
    score_and_store,
    start_visit,
)
from shopper.workflows import appeals, jobs, mail, payments, quizzes, review, scorecards
from shopper.workflows.mail import MailSettings

DEFAULT_CHECKLIST = PROJECT_ROOT / "checklists" / "moments-of-truth.toml"
PASSWORD = "demo-password"
NAMESPACE = uuid.UUID("6f1c4f3e-6a53-4c55-9a36-2f4d5e0b9a11")

# code, name, region, address, latitude, longitude, quality (0–1), weakest touchpoint
DEMO_ZONE = "Europe/London"  # every demo branch is in Great Britain
BRANCHES = [
    ("LDS01", "Leeds Briggate", "North", "12 Briggate, Leeds LS1 6HD", 53.7977, -1.5418, .86, "parking"),
    ("MAN01", "Manchester Deansgate", "North", "210 Deansgate, Manchester M3 3NW", 53.4794, -2.2484, .78, "phone"),
    ("NCL01", "Newcastle Grey Street", "North", "41 Grey Street, Newcastle NE1 6EE", 54.9714, -1.6118, .64, "delivery"),
    ("YRK01", "York Coney Street", "North", "17 Coney Street, York YO1 9QL", 53.9596, -1.0847, .91, "follow_up"),
    ("BHM01", "Birmingham New Street", "Midlands", "95 New Street, Birmingham B2 4BA", 52.4796, -1.8990, .72, "reception"),
    ("NOT01", "Nottingham Market Square", "Midlands", "3 Long Row, Nottingham NG1 2DH", 52.9533, -1.1496, .83, "phone"),
    ("LEI01", "Leicester Gallowtree Gate", "Midlands", "28 Gallowtree Gate, Leicester LE1 5AD", 52.6355, -1.1318, .58, "service_desk"),
    ("COV01", "Coventry Hertford Street", "Midlands", "9 Hertford Street, Coventry CV1 1LF", 52.4070, -1.5105, .75, "parking"),
    ("LON01", "London Cheapside", "South", "120 Cheapside, London EC2V 6DN", 51.5141, -0.0940, .88, "parking"),
    ("LON02", "London Kensington High Street", "South", "150 Kensington High Street, London W8 7RL", 51.5010, -0.1925, .93, "delivery"),
    ("BRI01", "Brighton North Street", "South", "60 North Street, Brighton BN1 1RH", 50.8235, -0.1404, .69, "phone"),
    ("OXF01", "Oxford Cornmarket", "South", "22 Cornmarket Street, Oxford OX1 3HA", 51.7530, -1.2590, .81, "reception"),
    ("EDI01", "Edinburgh Princes Street", "Scotland", "85 Princes Street, Edinburgh EH2 2ER", 55.9520, -3.1960, .84, "follow_up"),
    ("GLA01", "Glasgow Buchanan Street", "Scotland", "101 Buchanan Street, Glasgow G1 3HL", 55.8617, -4.2537, .67, "service_desk"),
]

ACCOUNTS = [
    ("shopper@demo.test", "Sam Field", "shopper", ()),
    ("jo.shopper@demo.test", "Jo Marsh", "shopper", ()),
    ("manager@demo.test", "Morgan Reid", "manager", ("LDS01",)),
    ("office@demo.test", "Olivia Hart", "office", ()),
]

SCENARIOS = [
    "You are opening a first current account and want to understand overdraft fees.",
    "Ask about a car loan for a second-hand car around £12,000; you are undecided.",
    "Arrive ten minutes before lunchtime; ask to order a replacement card for delivery.",
    "Phone first to book an appointment, then visit and ask about savings for a child.",
]

GOLDEN = ["Greeted by name on the way out", "Adviser walked me to the door",
          "Staff noticed I was waiting and apologised", "Clear, warm and quick",
          "Offered a coffee without being asked"]
DULL = ["Nobody looked up for a long time", "Felt like I was interrupting",
        "Had to repeat my question twice", "Signage pointed the wrong way",
        "Promised call never came"]

MONTHS_OF_HISTORY = 7
HISTORY_FEE = money.Money("GBP", 2500)
HISTORY_EXPENSE_CAP = money.Money("GBP", 850)
MANAGED = "LDS01"  # the demo manager's branch

# What the demo manager's branch has in hand: (days from today the action is due, done?).
# Overdue, due tomorrow, due later, and one done.
ACTIONS = [(-3, False), (1, False), (12, False), (-10, True)]
ACTION_TEXTS = [
    ("Put a greeter on the door from 9 to 11 every weekday", "Priya (deputy manager)"),
    ("Re-brief the team on offering the savings guide", "Tom (team leader)"),
    ("Repaint the faded bay lines in the car park", "Facilities"),
    ("Move the queue sign so it can be seen from the entrance", "Priya (deputy manager)"),
]


def seed(db: Database, password_method: str, photo_folder: str, *,
         mail_settings: MailSettings, today: date | None = None) -> str:
    """Load the demo data and return a summary that names the accounts. `mail_settings`
    builds the links of the messages it leaves waiting."""
    today = today or date.today()
    with db.atomic():
        _branches(db)
        users = _accounts(db, password_method)
        checklist = load_checklist_file(DEFAULT_CHECKLIST)
        if checklist_id_of_slug(db, checklist.slug) is None:
            import_checklist(db, checklist, DEFAULT_CHECKLIST.read_text("utf-8"))
        checklist_id = checklist_id_of_slug(db, checklist.slug)
        created = _history(db, users, checklist_id, today, photo_folder)
        _open_assignments(db, users, checklist_id, today, mail_settings)
        _follow_through(db, users, today, photo_folder, mail_settings)
        _appeals(db, users, photo_folder, mail_settings)
        _job_board(db, users, checklist_id, today)
        _payments(db, users, today)
        mail.queue_daily(db, mail_settings, today)
    lines = [f"Demo data ready ({created} new visits)." if created else
             "Demo data already loaded: nothing changed.",
             "Sign in at http://127.0.0.1:5000 with password "
             f"{PASSWORD!r} as any of:"]
    lines += [f"  {role:8} {email}" for email, _, role, _ in ACCOUNTS]
    return "\n".join(lines)


def _branches(db: Database) -> None:
    for code, name, region, address, lat, lon, *_ in BRANCHES:
        branches.add_branch(db, code=code, name=name, region=region, address=address,
                            latitude=lat, longitude=lon, time_zone=DEMO_ZONE)


def _accounts(db: Database, method: str) -> dict[str, int]:
    ids = {}
    for email, name, role, branch_codes in ACCOUNTS:
        ids[email] = accounts.user_id_of_email(db, email) or accounts.create_user(
            db, email=email, name=name, role=role, password=PASSWORD, method=method,
            branch_codes=branch_codes)
    return ids


def _history(db, users, checklist_id, today, photo_folder) -> int:
    """Visits every two to four weeks per branch. Each branch's schedule and each visit's
    answers come from their own seeded generator, so a re-run skips exactly what exists."""
    shoppers = [users["shopper@demo.test"], users["jo.shopper@demo.test"]]
    office = users["office@demo.test"]
    branch_ids = branches.ids_of_codes(db, [code for code, *_ in BRANCHES])
    created = 0
    first_day = today - timedelta(days=MONTHS_OF_HISTORY * 30)
    for b_index, (code, *_, quality, weak) in enumerate(BRANCHES):
        day = first_day + timedelta(days=b_index % 9)
        schedule = random.Random(code)
        n = 0
        while day < today - timedelta(days=2):
            n += 1
            visit_uuid = str(uuid.uuid5(NAMESPACE, f"{code}-{n}"))
            age = (today - day).days
            next_day = day + timedelta(days=schedule.randint(16, 26))
            # The managed branch's newest visit is published by head office in
            # _follow_through, as it would be: its manager hears of it by mail.
            newest_managed = code == MANAGED and next_day >= today - timedelta(days=2)
            if visits.visit_by_uuid(db, visit_uuid) is None:
                shopper = shoppers[n % 2]
                trend = (0.08 if b_index % 3 == 0 else -0.06 if b_index % 3 == 1 else 0) \
                    * (1 - age / (MONTHS_OF_HISTORY * 30))
                _visit(db, random.Random(visit_uuid), visit_uuid, branch_ids[code], shopper, office, checklist_id,
                       day, quality + trend, weak, published=age > 12 and not newest_managed)
                _photos(db, photo_folder, visit_uuid, code, day)
                created += 1
            day = next_day
    return created


def _visit(db, rng, visit_uuid, branch_id, shopper, office, checklist_id, day, quality,
           weak, published) -> None:
    assignment_id = assignments.add_assignment(db, {
        "branch_id": branch_id, "shopper_id": shopper, "checklist_id": checklist_id,
        "window_start": (day - timedelta(days=3)).isoformat(),
        "window_end": (day + timedelta(days=4)).isoformat(),
        "scenario": rng.choice(SCENARIOS), "status": "done", "created_by": office,
        "created_at": f"{day - timedelta(days=10)}T09:00:00Z",
    })
    _taken_job(db, assignment_id, shopper, office, day)
    started = datetime.combine(day, datetime.min.time()) + timedelta(
        hours=rng.randint(9, 16), minutes=rng.randint(0, 59))
    started_at = started.strftime("%Y-%m-%dT%H:%M:%SZ")
    visit_id = start_visit(db, uuid=visit_uuid, assignment_id=assignment_id,
                           shopper_id=shopper, started_at=started_at)
    version = load_version(db, visits.visit_by_uuid(db, visit_uuid)["version_id"])
    nothing_ordered = rng.random() < 0.3
    given = {}
    for tp, q in version.checklist.questions():
        p = quality - (0.25 if tp.key == weak else 0)
        na = q.na_allowed and rng.random() < 0.08
        if q.gate and tp.key == "delivery":
            given[(tp.key, q.key)] = Answer("no" if nothing_ordered else "yes")
        else:
            given[(tp.key, q.key)] = Answer(na=True) if na else Answer(plausible_answer(rng, q, p))
    hidden = visibility(version.checklist, given).hidden  # as a phone sends: asked ones only
    asked = {key: answer for key, answer in given.items() if key not in hidden}
    wanted = evidence_needed(version.checklist, asked, fails_standard).notes  # and given
    record_answers(db, visit_id, {
        version.question_ids[key]: (answer, rng.choice(EVIDENCE_NOTES) if key in wanted else "")
        for key, answer in asked.items()})
    result = score_and_store(db, visit_id)
    for tp in result.touchpoints:
        moment, reason = plausible_moment(rng, tp.score)
        record_moment(db, visit_id, version.touchpoint_ids[tp.key], moment, reason)
    ended = started + timedelta(minutes=rng.randint(18, 55))
    visits.set_ended_at(db, visit_id, ended.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # The shopper's own times: in and out at the branch's clock, before filling in.
    visits.set_timing(db, visit_id, parse_timing(
        {"date": day.isoformat(), "time_in": f"{started:%H:%M}", "time_out": f"{ended:%H:%M}"},
        zone=DEMO_ZONE, window=(None, None), now=ended.replace(tzinfo=UTC) + timedelta(days=1)))
    stamp = (ended + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    change_status(db, visit_id, "submitted", actor_id=shopper, at=stamp)
    if rng.random() < 0.08:  # head office sent it back once: the shopper's rating shows it
        back = (ended + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
        change_status(db, visit_id, "returned", actor_id=office, at=back,
                      comment="Please add the receipt photo and the adviser's name.")
        change_status(db, visit_id, "submitted", actor_id=shopper,
                      at=(ended + timedelta(hours=26)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if published:
        review = (ended + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        change_status(db, visit_id, "approved", actor_id=office, at=review)
        change_status(db, visit_id, "published", actor_id=office, at=review)
        payments.line_for_published(db, {"id": visit_id, "shopper_id": shopper})


def _taken_job(db, assignment_id, shopper, office, day) -> None:
    """The history's visits were jobs from the board, taken for their day: their fee is
    what the shopper is paid."""
    row = assignments.by_id(db, assignment_id)
    job_id = job_rows.add(db, {
        "branch_id": row["branch_id"], "checklist_id": row["checklist_id"],
        "window_start": row["window_start"], "window_end": row["window_end"],
        "scenario": row["scenario"], "fee_minor": HISTORY_FEE.minor,
        "expense_cap_minor": HISTORY_EXPENSE_CAP.minor, "currency": HISTORY_FEE.currency,
        "mode": "self"}, office)
    job_rows.mark_taken(db, job_id, shopper, day, assignment_id)


def _photos(db, folder, visit_uuid, code, day) -> None:
    """A receipt for every visit (the proof the checklist asks for) and, now and then, the
    car park: drawn here, then through the same pipeline as a shopper's photo."""
    visit = visits.visit_by_uuid(db, visit_uuid)
    version = load_version(db, visit["version_id"])
    shots = [("service_desk", "receipt_photo", "Receipt", _receipt_image(code, day))]
    if day.toordinal() % 3 == 0:
        shots.append(("parking", "car_park_photo", "Car park from the entrance",
                      _car_park_image(day.toordinal())))
    answers = visits.answers_of(db, visit["id"], version)  # the evidence they call for
    for tp, key in sorted(evidence_needed(version.checklist, answers, fails_standard).photos):
        shots.append((tp, key, "What I saw", _car_park_image(day.toordinal() + len(key))))
    for tp, key, caption, image in shots:
        add_photo(db, folder, visit_id=visit["id"],
                  photo_uuid=str(uuid.uuid5(NAMESPACE, f"{visit_uuid}-{key}")),
                  processed=process_photo(image), question_id=version.question_ids[(tp, key)],
                  caption=caption)


def _receipt_image(code: str, day: date) -> bytes:
    image = Image.new("RGB", (480, 720), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    lines = ["HARBOUR & CO", f"Branch {code}", day.strftime("%d %b %Y"), "",
             "Account enquiry       0.00", "Card replacement      5.00", "",
             "TOTAL                 5.00", "", "Thank you for visiting"]
    for i, line in enumerate(lines):
        draw.text((40, 40 + i * 44), line, fill=(40, 40, 40), font_size=26)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _car_park_image(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), (120, 124, 128))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x = 40 + i * 125
        draw.line([(x, 300), (x, 560)], fill=(235, 235, 235), width=6)
        if rng.random() < 0.6:
            colour = tuple(rng.randint(30, 220) for _ in range(3))
            draw.rounded_rectangle([x + 15, 340, x + 105, 520], radius=18, fill=colour)
    draw.rectangle([0, 0, 800, 260], fill=(170, 200, 230))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


EVIDENCE_NOTES = [
    "Noted at the time; the member of staff was at the front desk.",
    "Seen at about the middle of the visit, and again as I left.",
    "The manager was told on the way out and apologised.",
]


def plausible_moment(rng: random.Random, score: float | None) -> tuple[str | None, str]:
    """A shopper marks most excellent touchpoints golden and most poor ones dull."""
    if score is not None and score >= 90 and rng.random() < 0.6:
        return "golden", rng.choice(GOLDEN)
    if score is not None and score < 60 and rng.random() < 0.7:
        return "dull", rng.choice(DULL)
    return None, ""


def plausible_answer(rng: random.Random, q: Question, p: float):
    """A plausible answer that meets the standard with probability p."""
    if q.gate:  # "Did you leave your contact details?": most shoppers do
        return "yes" if rng.random() < 0.9 else "no"
    if q.critical:
        p = max(p, 0.97)
    if q.category == "delight":
        p = 0.3 * p
    met = rng.random() < p
    if q.kind == "yes_no":
        return q.expected if met else ("no" if q.expected == "yes" else "yes")
    if q.kind == "scale":
        return rng.randint(q.pass_min, 5) if met else rng.randint(1, q.pass_min - 1)
    if q.kind == "choice":
        passing = [o.label for o in q.options if o.points >= q.pass_points]
        failing = [o.label for o in q.options if o.points < q.pass_points]
        return rng.choice(passing if met or not failing else failing)
    if q.kind == "multi_choice":
        labels = [o.label for o in q.options]
        wanted = q.pass_points if met else rng.uniform(0, q.pass_points)
        picked, earned = [], 0
        for label in rng.sample(labels, len(labels)):
            if earned >= wanted:
                break
            picked.append(label)
            earned += next(o.points for o in q.options if o.label == label)
        return [label for label in labels if label in picked] if met or earned < q.pass_points else []
    if q.kind in ("number", "duration"):
        return _measure(rng, q, met)
    if q.kind == "text":
        return rng.choice(["Priya", "Tom", "Not given", "Aisha", "Mark"])
    return None


def _measure(rng: random.Random, q: Question, met: bool):
    target = q.target
    step = 1 if q.kind == "number" else 5
    spread = max(3, int(target)) if q.kind == "number" else max(30, int(target))
    if q.compare == "==":
        return target if met else target + rng.randint(1, 3) * step
    if q.compare == "<=":
        low = 0 if q.kind == "number" else 10
        return rng.randint(low, int(target)) if met else int(target) + rng.randint(1, spread)
    return rng.randint(int(target), int(target) + spread) if met else rng.randint(0, max(0, int(target) - 1))


def _open_assignments(db, users, checklist_id, today, mail_settings) -> None:
    shopper, office = users["shopper@demo.test"], users["office@demo.test"]
    if assignments.has_open_assignment(db, shopper):
        return
    places = [("LDS01", SCENARIOS[0]), ("BHM01", SCENARIOS[1]), ("EDI01", SCENARIOS[3])]
    branch_ids = branches.ids_of_codes(db, [code for code, _ in places])
    made = []
    for offset, (code, scenario) in enumerate(places):
        branch_id = branch_ids[code]
        made.append(assignments.add_assignment(db, {
            "branch_id": branch_id, "shopper_id": shopper, "checklist_id": checklist_id,
            "window_start": (today - timedelta(days=1)).isoformat(),
            "window_end": (today + timedelta(days=7 + 5 * offset)).isoformat(),
            "scenario": scenario, "status": "open", "created_by": office,
            "created_at": f"{today - timedelta(days=3)}T10:00:00Z",
        }))
    mail.assignments_made(db, mail_settings, made)


def _follow_through(db, users, today, photo_folder, mail_settings) -> None:
    """Head office publishes the managed branch's newest visit (its manager is mailed);
    the manager has acknowledged the older scorecards and has actions in hand on the
    newest two: overdue, due tomorrow, due later, done."""
    office, manager = users["office@demo.test"], users["manager@demo.test"]
    branch_id = branches.ids_of_codes(db, [MANAGED])[MANAGED]
    newest, *older = visits.sent_of_branch(db, branch_id)
    if newest["status"] == "submitted":
        review.publish(db, newest, office, mail_settings=mail_settings,
                       with_open_follow_ups=True)
    for visit in older[1:]:
        scorecards.acknowledge(db, visit, manager)
    gaps = [(visit, question_id) for visit in (newest, older[0])
            for question_id in sorted(scorecards.failed_question_ids(db, visit))]
    for (days, done), (text, owner), (visit, question_id) in zip(
            ACTIONS, ACTION_TEXTS, gaps, strict=False):
        if question_id in actions.of_visit(db, visit["id"]):
            continue
        scorecards.record_action(db, visit, question_id, {
            "description": text, "owner": owner,
            "due_date": (today + timedelta(days=days)).isoformat()}, manager)
        if done:
            scorecards.complete_action(
                db, photo_folder, actions.of_visit(db, visit["id"])[question_id]["id"],
                "Done: checked on the next three mornings.", manager)


# The demo manager's appeals: (which of the branch's published visits, newest first; the
# outcome head office gave, None while it waits; with a photo?). Each challenges a finding
# the manager has a reason for (APPEAL_REASONS, by question), or else any finding.
APPEALS = [(0, None, False), (2, "overturned", True), (3, "upheld", False)]
APPEAL_REASONS = {
    "greeted_within_30s": "Our door camera shows the shopper was greeted 20 seconds after "
                          "coming in, by the greeter standing by the leaflets.",
    "acknowledged_when_busy": "Both advisers were with customers, and Tom nodded to the "
                              "shopper and said he would be a moment: he remembers it.",
    "wait_to_be_served": "The queue screen was out of order that morning: the wait was "
                         "timed from the door, not from the queue.",
    "staff_appearance": "The reception was being redecorated that week, with notices up; "
                        "the dust sheets were not untidiness.",
    "offered_drink": "The drinks machine had been removed for repair; a notice explained "
                     "it and water was on the table.",
    "signage_clear": "The car park was being resurfaced that week and the council had the "
                     "signs covered.",
    "space_available": "Two bays were closed for the resurfacing; every other day there "
                       "are spaces by the entrance.",
    "call_answered": "Our phone line was down that afternoon (the provider's fault, "
                     "reference INC-20931): calls went to the national centre.",
    "rings_before_answer": "The call log shows the call answered at the second ring.",
    "costs_explained": "The adviser explained the fees: they are on the leaflet the "
                       "shopper was given.",
    "callback_kept": "Our call log shows the call back made at the time agreed; the "
                     "shopper's phone went to voicemail.",
}
APPEAL_REASON_OTHERWISE = ("Our records for that day show the standard was met. Please "
                           "check the shopper's notes and photos again.")
DECISIONS = {
    "overturned": "Agreed: the evidence shows the standard was met that day. The answer is "
                  "corrected and the visit rescored.",
    "upheld": "The shopper's notes and photo taken on the day show what was found: the "
              "finding stands.",
}


def _appeals(db, users, photo_folder, mail_settings) -> None:
    """The manager challenged a finding on three scorecards, each within the window: head
    office overturned one (it came with a photo), upheld one, and one waits for it."""
    office, manager = users["office@demo.test"], users["manager@demo.test"]
    published = [v for v in visits.sent_of_branch(
        db, branches.ids_of_codes(db, [MANAGED])[MANAGED]) if v["status"] == "published"]
    if any(appeal_rows.of_visit(db, v["id"]) for v in published):
        return
    for which, outcome, with_photo in APPEALS:
        visit = published[which]
        made = datetime.fromisoformat(visit["published_at"].replace("Z", "+00:00"))
        finding = _appealable(db, visit)
        if finding is None:
            continue
        question_id, key = finding
        appeal_id = appeals.make(
            db, photo_folder, visit, question_id,
            APPEAL_REASONS.get(key, APPEAL_REASON_OTHERWISE), manager,
            attachment=_car_park_image(which) if with_photo else b"",
            at=made + timedelta(days=1) if outcome else None)
        if outcome:
            appeal = appeal_rows.by_id(db, appeal_id)
            value = appeals.corrected_answer_choices(db, appeal)["default"]
            appeals.decide(db, appeal, office, outcome, DECISIONS[outcome],
                           mail_settings=mail_settings, value=value,
                           at=made + timedelta(days=3))


def _appealable(db, visit) -> tuple[int, str] | None:
    """A finding of the visit an appeal can fairly challenge, with its question's key: one
    the manager has a reason for if there is one, else one whose answer can be corrected to
    meet the standard; one without an action recorded on it, where there is a choice."""
    version = load_version(db, visit["version_id"])
    key_of = {question_id: key for (_, key), question_id in version.question_ids.items()}
    questions = version.questions_by_id()
    acted = actions.of_visit(db, visit["id"])
    findings = sorted((key_of[q] not in APPEAL_REASONS, q in acted, q)
                      for q in appeals.appealable_question_ids(db, visit)
                      if questions[q].kind not in ("photo", "text"))
    return (findings[0][2], key_of[findings[0][2]]) if findings else None


# The job board: a wave anyone eligible may take in the South, one head office chooses
# for in Scotland, after the loans quiz. Sam Field lives in Leeds and travels up to 300 km
# (Brighton is too far).
QUIZ_NAME = "Loans and overdrafts"
QUIZ = """Q: The adviser recognises you as a mystery shopper. What do you do?
- Carry on with the scenario as if nothing happened
* Finish politely, leave, and tell head office in the visit's notes
- Ask them not to tell their manager

Q: When do you write your notes?
- The next day, when you have time
* Straight after the visit, away from the branch
- Only if something went wrong

Q: The scenario asks about a car loan. The adviser offers an overdraft instead. You:
- Accept it, to see the paperwork
* Say you will think about it, and record what was offered
- Leave at once

Q: Can you photograph staff faces?
- Yes, to show who served you
* No: photograph places and documents, never people
"""
JOB_WAVES = [
    ("South", "self", "25.00", "8.50", "December, South", SCENARIOS[2]),
    ("Scotland", "apply", "30.00", "12.00", "December, Scotland", SCENARIOS[0]),
]


def _job_board(db, users, checklist_id, today) -> None:
    office = users["office@demo.test"]
    quiz = quiz_rows.id_of_name(db, QUIZ_NAME)
    if quiz is None:
        job_rows.set_profile(db, users["shopper@demo.test"], home_area="Leeds",
                             latitude=53.8008, longitude=-1.5491, max_distance_km=300)
        quiz = quizzes.save(db, name=QUIZ_NAME, text=QUIZ, pass_mark=75,
                            checklist_id=checklist_id, user_id=office)
    for region, mode, fee, cap, name, scenario in JOB_WAVES:
        if job_rows.wave_exists(db, name):
            continue
        codes = [code for code, _, branch_region, *_ in BRANCHES if branch_region == region]
        jobs.publish(db, jobs.Wave(
            branch_ids=list(branches.ids_of_codes(db, codes).values()),
            checklist_id=checklist_id, window_start=today,
            window_end=today + timedelta(days=21), scenario=scenario,
            fee=money.parse(fee, "GBP"), expense_cap=money.parse(cap, "GBP"), mode=mode,
            qualification_id=quiz if mode == "apply" else None, name=name), office)


def _payments(db, users, today) -> None:
    """What the shoppers were paid: the lines of months before last paid in one batch a
    month, last month's approved and waiting for the bank (`shopper payments --month`
    has rows), this month's waiting for approval."""
    office = users["office@demo.test"]
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    unpaid = payment_rows.lines(db, status="unpaid", limit=100_000)
    older = [r for r in unpaid if r["created_at"] < this_month.isoformat()]
    for row in older:
        payments.approve(db, [row["id"]], office, at=row["created_at"])
    by_month: dict[str, list[int]] = {}
    for row in payment_rows.lines(db, status="approved", limit=100_000):
        if row["created_at"] < last_month.isoformat():
            by_month.setdefault(row["created_at"][:7], []).append(row["id"])
    for month, ids in sorted(by_month.items()):
        payments.pay(db, ids, office, f"BACS {month}-28", at=f"{month}-28T10:00:00Z")
