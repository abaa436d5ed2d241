"""The job board in the database: open visits head office publishes, shoppers' applications
and cancellations, and shoppers' home areas. The one module that writes the jobs,
job_applications, job_cancellations and shopper_profiles tables."""

from __future__ import annotations

from datetime import date

from shopper.store.connection import Database, now

# A job with what the board shows beside it: its branch, where it is, its checklist.
_JOB = """
    SELECT j.*, b.name AS branch_name, b.code AS branch_code, b.region, b.address,
           b.latitude AS branch_latitude, b.longitude AS branch_longitude,
           c.name AS checklist_name, qz.name AS qualification_name
    FROM jobs j JOIN branches b ON b.id = j.branch_id JOIN checklists c ON c.id = j.checklist_id
    LEFT JOIN quizzes qz ON qz.id = j.qualification_id
"""
JOB_COLUMNS = ("branch_id", "checklist_id", "window_start", "window_end", "scenario",
               "fee_minor", "expense_cap_minor", "currency", "mode", "qualification_id",
               "min_rating", "wave")


def add(db: Database, job: dict, created_by: int) -> int:
    """Publish one open job; `job` holds JOB_COLUMNS (days as ISO text; those left out
    take the table's defaults)."""
    return db["jobs"].insert({**{k: job[k] for k in JOB_COLUMNS if k in job}, "status": "open",
                              "created_by": created_by, "created_at": now()}).last_pk


def by_id(db: Database, job_id: int) -> dict | None:
    return next(db.query(_JOB + " WHERE j.id = ?", [job_id]), None)


def wave_exists(db: Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM jobs WHERE wave = ? LIMIT 1", [name]).fetchone() is not None


def open_jobs(db: Database, today: date) -> list[dict]:
    """Jobs still open whose window has not ended, soonest ending first."""
    return list(db.query(_JOB + " WHERE j.status = 'open' AND j.window_end >= ? "
                         "ORDER BY j.window_end, b.name, j.id", [today.isoformat()]))


def listing(db: Database, status: str = "", limit: int = -1,
            offset: int = 0) -> list[dict]:
    """Head office's list: the newest windows first, with who took each job and how many
    applications wait; `limit` of them from `offset` (all with -1)."""
    where = " WHERE j.status = ?" if status else ""
    return list(db.query(
        _JOB.replace("SELECT j.*", """SELECT j.*, u.name AS taken_by_name,
               (SELECT COUNT(*) FROM job_applications ap WHERE ap.job_id = j.id
                AND ap.status = 'waiting') AS waiting""") +
        " LEFT JOIN users u ON u.id = j.taken_by" + where +
        " ORDER BY j.window_end DESC, b.name, j.id LIMIT ? OFFSET ?",
        [*([status] if status else []), limit, offset]))


def count(db: Database, status: str = "") -> int:
    """How many jobs there are (of one status)."""
    return db.execute("SELECT COUNT(*) FROM jobs WHERE ? = '' OR status = ?",
                      [status, status]).fetchone()[0]


def withdraw(db: Database, job_id: int) -> bool:
    """Take an open job off the board (its waiting applications are declined)."""
    if db.execute("UPDATE jobs SET status = 'withdrawn' WHERE id = ? AND status = 'open'",
                  [job_id]).rowcount != 1:
        return False
    db.execute("UPDATE job_applications SET status = 'declined', decided_at = ? "
               "WHERE job_id = ? AND status = 'waiting'", [now(), job_id])
    return True


def of_shopper(db: Database, shopper_id: int) -> list[dict]:
    """The jobs a shopper has taken and not cancelled, with their assignment's state."""
    return list(db.query(
        _JOB.replace("SELECT j.*", "SELECT j.*, a.status AS assignment_status") +
        " JOIN assignments a ON a.id = j.assignment_id WHERE j.taken_by = ? "
        "ORDER BY j.planned_day, j.id", [shopper_id]))


def mark_taken(db: Database, job_id: int, shopper_id: int, planned_day: date,
               assignment_id: int) -> bool:
    """The job goes to this shopper; False if it was no longer open."""
    return db.execute(
        """UPDATE jobs SET status = 'taken', taken_by = ?, planned_day = ?, assignment_id = ?
           WHERE id = ? AND status = 'open'""",
        [shopper_id, planned_day.isoformat(), assignment_id, job_id]).rowcount == 1


def reopen(db: Database, job: dict, reason: str) -> None:
    """The shopper who took the job gave it back: keep why, and open it again."""
    db["job_cancellations"].insert({
        "job_id": job["id"], "shopper_id": job["taken_by"],
        "assignment_id": job["assignment_id"], "reason": reason, "cancelled_at": now()})
    db.execute("""UPDATE jobs SET status = 'open', taken_by = NULL, planned_day = NULL,
                  assignment_id = NULL WHERE id = ?""", [job["id"]])


def cancellations(db: Database, job_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM job_cancellations WHERE job_id = ? ORDER BY id",
                         [job_id]))


# --- applications ----------------------------------------------------------------------

def add_application(db: Database, job_id: int, shopper_id: int, planned_day: date) -> int:
    return db["job_applications"].insert({
        "job_id": job_id, "shopper_id": shopper_id, "planned_day": planned_day.isoformat(),
        "status": "waiting", "applied_at": now()}).last_pk


def application(db: Database, application_id: int) -> dict | None:
    return next(db.query("SELECT * FROM job_applications WHERE id = ?", [application_id]),
                None)


def waiting_application(db: Database, job_id: int, shopper_id: int) -> dict | None:
    return next(db.query("SELECT * FROM job_applications WHERE job_id = ? AND shopper_id = ? "
                         "AND status = 'waiting'", [job_id, shopper_id]), None)


def applications_of_job(db: Database, job_id: int) -> list[dict]:
    return list(db.query(
        """SELECT ap.*, u.name AS shopper_name, u.email AS shopper_email
           FROM job_applications ap JOIN users u ON u.id = ap.shopper_id
           WHERE ap.job_id = ? ORDER BY ap.applied_at, ap.id""", [job_id]))


def decide_applications(db: Database, job_id: int, approved_id: int, actor_id: int) -> None:
    """One application approved; every other one still waiting for the job declined."""
    db.execute(
        """UPDATE job_applications SET status = CASE WHEN id = ? THEN 'approved'
               ELSE 'declined' END, decided_by = ?, decided_at = ?
           WHERE job_id = ? AND status = 'waiting'""", [approved_id, actor_id, now(), job_id])


# --- what eligibility needs to know of a shopper ---------------------------------------

def shopper_facts(db: Database, shopper_id: int, branch_id: int) -> dict:
    """A shopper's visits in hand (how many, on which planned days), the days of their
    visits at this branch (made, planned, or an assignment's whole window when no day was
    planned), and their home area."""
    in_hand = list(db.query(
        """SELECT a.id, a.branch_id, a.window_start, a.window_end, j.planned_day
           FROM assignments a LEFT JOIN jobs j ON j.assignment_id = a.id
           WHERE a.shopper_id = ? AND a.status = 'open'""", [shopper_id]))
    at_branch: list[str] = [row[0] for row in db.execute(
        """SELECT v.visit_date FROM visits v WHERE v.shopper_id = ? AND v.branch_id = ?
           AND v.visit_date IS NOT NULL""", [shopper_id, branch_id])]
    for row in in_hand:
        if row["branch_id"] == branch_id:
            at_branch += ([row["planned_day"]] if row["planned_day"]
                          else [row["window_start"], row["window_end"]])
    home = profile(db, shopper_id)
    return {"open_jobs": len(in_hand),
            "planned_days": [row["planned_day"] for row in in_hand if row["planned_day"]],
            "days_at_branch": at_branch,
            "home_latitude": home["home_latitude"], "home_longitude": home["home_longitude"],
            "max_distance_km": home["max_distance_km"], "home_area": home["home_area"]}


def profile(db: Database, user_id: int) -> dict:
    """A shopper's home area and travel limit (empty when never set)."""
    return next(db.query("SELECT * FROM shopper_profiles WHERE user_id = ?", [user_id]), {
        "user_id": user_id, "home_area": "", "home_latitude": None, "home_longitude": None,
        "max_distance_km": None})


def set_profile(db: Database, user_id: int, *, home_area: str, latitude: float | None,
                longitude: float | None, max_distance_km: float | None) -> None:
    db["shopper_profiles"].upsert({
        "user_id": user_id, "home_area": home_area, "home_latitude": latitude,
        "home_longitude": longitude, "max_distance_km": max_distance_km}, pk="user_id")
