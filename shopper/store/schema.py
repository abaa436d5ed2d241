"""The database schema, as an ordered set of sqlite-utils migrations.

Never edit a migration that has shipped: add a new one. `apply` is idempotent: each
migration runs once, inside its own transaction, and is recorded in _sqlite_migrations.

The model, in one breath: users (roles) and the branches managers are linked to;
checklists with immutable versions → touchpoints → questions; assignments send a shopper
to a branch with a checklist; a visit (keyed by the phone's UUID) pins the checklist
version it was started with and holds answers, photos and one visit_touchpoints row per
touchpoint (the shopper's golden/dull moment and the precomputed score, written when the
visit is scored so that head-office reports never re-score raw answers); the audit log
keeps every review step and correction; branch actions record what a branch will change.
"""

from sqlite_utils import Migrations

migrations = Migrations("shopper")



@migrations()
def m001_initial(db):
    db.executescript(
        """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('shopper', 'manager', 'office')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    session_version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    last_login_at TEXT
);

CREATE TABLE branches (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    latitude REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude REAL CHECK (longitude BETWEEN -180 AND 180),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX branches_region ON branches (region, name);

CREATE TABLE manager_branches (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    branch_id INTEGER NOT NULL REFERENCES branches (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, branch_id)
) WITHOUT ROWID;
CREATE INDEX manager_branches_branch ON manager_branches (branch_id);

CREATE TABLE checklists (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE checklist_versions (
    id INTEGER PRIMARY KEY,
    checklist_id INTEGER NOT NULL REFERENCES checklists (id),
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    UNIQUE (checklist_id, version)
);

CREATE TABLE touchpoints (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES checklist_versions (id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    weight REAL NOT NULL CHECK (weight > 0),
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (version_id, key),
    UNIQUE (version_id, position)
);

CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES checklist_versions (id),
    touchpoint_id INTEGER NOT NULL REFERENCES touchpoints (id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL
        CHECK (kind IN ('yes_no', 'scale', 'choice', 'number', 'duration', 'text', 'photo')),
    text TEXT NOT NULL,
    standard TEXT NOT NULL DEFAULT '',
    guidance TEXT NOT NULL DEFAULT '',
    max_points REAL NOT NULL DEFAULT 0,
    category TEXT NOT NULL DEFAULT 'basic' CHECK (category IN ('basic', 'delight')),
    critical INTEGER NOT NULL DEFAULT 0,
    na_allowed INTEGER NOT NULL DEFAULT 0,
    required INTEGER NOT NULL DEFAULT 1,
    settings TEXT NOT NULL DEFAULT '{}',
    UNIQUE (touchpoint_id, key),
    UNIQUE (touchpoint_id, position)
);
CREATE INDEX questions_version ON questions (version_id);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    checklist_id INTEGER NOT NULL REFERENCES checklists (id),
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL CHECK (window_end >= window_start),
    scenario TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX assignments_shopper ON assignments (shopper_id, status, window_end);
CREATE INDEX assignments_branch ON assignments (branch_id, window_end);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    assignment_id INTEGER REFERENCES assignments (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    version_id INTEGER NOT NULL REFERENCES checklist_versions (id),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN (
        'draft', 'incomplete', 'submitted', 'on_hold', 'returned', 'approved', 'published')),
    visit_date TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    submitted_at TEXT,
    published_at TEXT,
    latitude REAL,
    longitude REAL,
    position_accuracy_m REAL,
    position_distance_m REAL,
    position_status TEXT NOT NULL DEFAULT 'not_asked'
        CHECK (position_status IN ('not_asked', 'given', 'refused', 'unavailable')),
    note TEXT NOT NULL DEFAULT '',
    score REAL,
    critical_failed INTEGER NOT NULL DEFAULT 0,
    scored_at TEXT,
    acknowledged_at TEXT,
    acknowledged_by INTEGER REFERENCES users (id),
    content_hash TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX visits_shopper ON visits (shopper_id, status);
CREATE INDEX visits_branch_date ON visits (branch_id, visit_date);
CREATE INDEX visits_status_date ON visits (status, visit_date, branch_id, score);
CREATE INDEX visits_assignment ON visits (assignment_id);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    value TEXT,
    na INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    outcome TEXT CHECK (outcome IN ('met', 'not_met', 'na', 'unanswered', 'unscored')),
    earned REAL,
    possible REAL,
    observed TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (visit_id, question_id)
);
CREATE INDEX answers_question_outcome ON answers (question_id, outcome);

CREATE TABLE visit_touchpoints (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    touchpoint_id INTEGER NOT NULL REFERENCES touchpoints (id),
    touchpoint_key TEXT NOT NULL,
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    visit_date TEXT NOT NULL,
    moment TEXT CHECK (moment IN ('golden', 'dull')),
    moment_reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    weight REAL NOT NULL,
    earned REAL,
    possible REAL,
    score REAL,
    critical_failed INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    UNIQUE (visit_id, touchpoint_id)
);
CREATE INDEX visit_touchpoints_date ON visit_touchpoints (visit_date, touchpoint_key, branch_id);
CREATE INDEX visit_touchpoints_branch ON visit_touchpoints (branch_id, visit_date);

CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    question_id INTEGER REFERENCES questions (id),
    touchpoint_id INTEGER REFERENCES touchpoints (id),
    caption TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    upload_bytes INTEGER NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    thumb_name TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    display_bytes INTEGER NOT NULL,
    process_ms REAL NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX photos_visit ON photos (visit_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    visit_id INTEGER REFERENCES visits (id) ON DELETE CASCADE,
    entity TEXT NOT NULL DEFAULT '',
    entity_id INTEGER,
    before TEXT,
    after TEXT,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_visit ON audit_log (visit_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE branch_actions (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    question_id INTEGER NOT NULL REFERENCES questions (id),
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    done_at TEXT,
    done_note TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (visit_id, question_id)
);
CREATE INDEX branch_actions_branch ON branch_actions (branch_id, status, due_date);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    address TEXT NOT NULL,
    succeeded INTEGER NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, at);
CREATE INDEX login_attempts_address ON login_attempts (address, at);
"""
    )
    _freeze_versions_in_use(db)


def _freeze_versions_in_use(db):
    """A checklist version that has visits is never edited in place: the database refuses."""
    in_use = "EXISTS (SELECT 1 FROM visits WHERE visits.version_id = {})"
    for table, version_col in (
        ("checklist_versions", "id"),
        ("touchpoints", "version_id"),
        ("questions", "version_id"),
    ):
        for event in ("UPDATE", "DELETE"):
            db.execute(
                f"""CREATE TRIGGER {table}_frozen_{event.lower()}
                BEFORE {event} ON {table}
                WHEN {in_use.format(f"OLD.{version_col}")}
                BEGIN
                    SELECT RAISE(ABORT, 'checklist version has visits: import a new version');
                END"""
            )


@migrations()
def m002_resume_position(db):
    """Where the shopper last was in a visit, so that coming back resumes there."""
    db.execute("ALTER TABLE visits ADD COLUMN resume_position INTEGER NOT NULL DEFAULT 1")


@migrations()
def m003_expected_photos(db):
    """The photos a phone says a visit has ({uuid: {sha256, question_id, ...}}), so that a
    visit waits, "incomplete", until every one of them has arrived."""
    db.execute("ALTER TABLE visits ADD COLUMN expected_photos TEXT")


@migrations()
def m004_one_visit_per_assignment(db):
    """An assignment is one visit: a double tap or a second phone must not make another."""
    db.execute("CREATE UNIQUE INDEX visits_one_per_assignment ON visits (assignment_id) "
               "WHERE assignment_id IS NOT NULL")


@migrations()
def m005_published_touchpoint_results(db):
    """Head-office reports read per-touchpoint results of published visits over thousands of
    branches: keep the visit's published state beside them, with covering indexes, so that
    the reports never join the visits table to filter them."""
    db.executescript(
        """
ALTER TABLE visit_touchpoints ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
UPDATE visit_touchpoints SET published = 1
    WHERE visit_id IN (SELECT id FROM visits WHERE status = 'published');
CREATE INDEX visit_touchpoints_published
    ON visit_touchpoints (published, visit_date, branch_id, touchpoint_key, score);
DROP INDEX visits_status_date;
CREATE INDEX visits_status_date
    ON visits (status, visit_date, branch_id, score, critical_failed);
"""
    )


@migrations()
def m006_login_attempt_refusals(db):
    """A sign-in refused by the login throttle checks no password: it is kept in the record
    but marked, so that it does not count as a failure and does not stretch the lockout.
    The index on the time lets pruning old attempts skip the rest of the table."""
    db.execute("ALTER TABLE login_attempts ADD COLUMN refused INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX login_attempts_at ON login_attempts (at)")


@migrations()
def m007_photo_expiry(db):
    """A photo past the retention period (`shopper expire-photos`) keeps its row but loses
    its files: the row says when, and after how many days, so that a scorecard shows "photo
    removed" instead of a broken image and a phone sending the photo again finds it held."""
    db.execute("ALTER TABLE photos ADD COLUMN expired_at TEXT")
    db.execute("ALTER TABLE photos ADD COLUMN expired_after_days INTEGER")


# What the pages built from published results (scorecards, league table, heat map) read.
# Every change to it draws a new random `data_generation.token` in the same transaction, so
# a page kept per worker process (page_cache.py) is reused only while its token is current.
# Rows of a visit count only while the visit is published (before or after the change):
# shoppers syncing drafts all day leave the token alone. A new table must be added here or
# to UNTRACKED_TABLES (tests/test_page_cache.py checks that every table is one or the other).
UNTRACKED_TABLES = ("login_attempts", "data_generation", "_sqlite_migrations",
                    "mail_outbox", "mail_preferences", "mail_digest_items",  # mail: no page
                    "jobs", "job_applications", "job_cancellations",  # the job board
                    "shopper_profiles", "quizzes", "quiz_attempts",
                    "expenses", "payable_lines", "payment_batches",  # money: no kept page
                    "export_jobs",  # background exports: no kept page
                    "monthly_visits", "monthly_touchpoints",  # sums of what is tracked
                    "monthly_versions", "monthly_standards", "monthly_region_standards")
VISIT_ROW_TABLES = ("answers", "visit_touchpoints", "photos", "branch_actions", "audit_log",
                    "follow_ups", "appeals")
PUBLISHED = "(SELECT status FROM visits WHERE id = {row}.visit_id) = 'published'"


def track_changes(db, table: str) -> None:
    """Triggers that draw a new generation token after each change to `table` that a
    published page could show."""
    if table == "visits":
        when = {"INSERT": "NEW.status = 'published'",
                "UPDATE": "OLD.status = 'published' OR NEW.status = 'published'",
                "DELETE": "OLD.status = 'published'"}
    elif table in VISIT_ROW_TABLES:
        when = {"INSERT": PUBLISHED.format(row="NEW"),
                "UPDATE": PUBLISHED.format(row="OLD") + " OR " + PUBLISHED.format(row="NEW"),
                "DELETE": PUBLISHED.format(row="OLD")}
    else:
        when = dict.fromkeys(("INSERT", "UPDATE", "DELETE"), "1")
    for event, condition in when.items():
        columns = ""
        if table == "users" and event == "UPDATE":  # not on sign-in or a password change
            columns = " OF email, name, role, active"
        db.execute(
            f"CREATE TRIGGER {table}_{event.lower()}_generation AFTER {event}{columns} "
            f"ON {table} WHEN {condition} "
            "BEGIN UPDATE data_generation SET token = randomblob(8); END")


@migrations()
def m008_data_generation(db):
    """A token that changes whenever published results change: see track_changes."""
    db.execute("CREATE TABLE data_generation (token BLOB NOT NULL)")
    db.execute("INSERT INTO data_generation (token) VALUES (randomblob(8))")
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        if table not in UNTRACKED_TABLES:
            track_changes(db, table)


def data_token(db) -> bytes:
    """The token every change to published results replaces (see track_changes)."""
    return db.execute("SELECT token FROM data_generation").fetchone()[0]


@migrations()
def m009_visit_timing_and_follow_ups(db):
    """Shoppers fill in after leaving the branch (issue 14, items 5 and 6).

    - A branch's time zone (an IANA name; NULL: the configured SHOPPER_DEFAULT_TIME_ZONE).
    - A visit's date, time in and time out as the shopper entered them, in the branch's
      local time, with the zone used and the UTC instants they stand for. `visit_date`
      (already there) becomes the entered local date.
    - Follow-up questions answered after submission: one row per question of a sent visit
      marked `answer_after_days`, with its due date (branch-local), the UTC instant it
      closes, and when it was answered or closed unanswered."""
    db.executescript(
        """
ALTER TABLE branches ADD COLUMN time_zone TEXT;
ALTER TABLE visits ADD COLUMN time_zone TEXT;
ALTER TABLE visits ADD COLUMN time_in TEXT;
ALTER TABLE visits ADD COLUMN time_out TEXT;
ALTER TABLE visits ADD COLUMN arrived_at TEXT;
ALTER TABLE visits ADD COLUMN left_at TEXT;

CREATE TABLE follow_ups (
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    due_date TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    answered_at TEXT,
    closed_at TEXT,
    PRIMARY KEY (visit_id, question_id)
) WITHOUT ROWID;
CREATE INDEX follow_ups_open ON follow_ups (closes_at) WHERE answered_at IS NULL
    AND closed_at IS NULL;
"""
    )
    track_changes(db, "follow_ups")


@migrations()
def m010_checklist_logic(db):
    """Checklists that adapt (issue 15): a touchpoint's own rules (`show_if`, `skip_if`,
    `skip_reason`, as JSON; a question keeps its rules in `settings`), and the
    `multi_choice` kind.

    Widening the questions' CHECK on `kind` follows SQLite's documented procedure for a
    change that leaves every stored row valid (https://sqlite.org/lang_altertable.html,
    "making other kinds of table schema changes"): the table's definition is rewritten in
    place and the schema version bumped. Rebuilding the table instead would need foreign
    keys off, which cannot be done inside the migration's transaction."""
    db.execute("ALTER TABLE touchpoints ADD COLUMN rules TEXT NOT NULL DEFAULT '{}'")
    old = "kind IN ('yes_no', 'scale', 'choice', 'number', 'duration', 'text', 'photo')"
    new = ("kind IN ('yes_no', 'scale', 'choice', 'multi_choice', 'number', 'duration', "
           "'text', 'photo')")
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
               "WHERE type = 'table' AND name = 'questions'", [old, new])
    db.execute(f"PRAGMA schema_version = {version + 1}")
    db.execute("PRAGMA writable_schema = OFF")


@migrations()
def m011_mail_outbox(db):
    """Mail waiting to be sent (issue 16), written in the same transaction as the event
    that causes it and sent later by `shopper send-mail` (docs/mail.md). The Message-ID is
    made with the row, so that a message sent twice after a crash carries the same one.
    `status` is waiting (due at `next_attempt_at`), sent, or failed (given up).
    `unsubscribe_url` becomes the List-Unsubscribe header; `dedupe_key` names a message
    that must be written once only (a day's digest, a reminder), however often the daily
    run is repeated."""
    db.executescript(
        """
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_at TEXT,
    last_error TEXT,
    unsubscribe_url TEXT,
    dedupe_key TEXT UNIQUE
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'waiting';
"""
    )


@migrations()
def m012_mail_preferences(db):
    """Who gets which mail (issue 16). A row only where a user has chosen; otherwise the
    kind's default (domain/messages.py KINDS) holds. A digest item waits for the user's
    next daily digest and points at the outbox row that carried it once sent."""
    db.executescript(
        """
CREATE TABLE mail_preferences (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    choice TEXT NOT NULL CHECK (choice IN ('now', 'daily', 'off')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
CREATE TABLE mail_digest_items (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    outbox_id INTEGER REFERENCES mail_outbox (id) ON DELETE SET NULL
);
CREATE INDEX mail_digest_items_waiting ON mail_digest_items (user_id) WHERE outbox_id IS NULL;
"""
    )


@migrations()
def m013_action_photos(db):
    """What a branch did about a failed standard may come with a photo (issue 16): the
    repainted sign, the new rota on the wall. Like a visit's photo it is stored as a
    display copy and a thumbnail in the photo folder, under names the server makes up, and
    served by its own id after a permission check; an action has at most one."""
    db.executescript(
        """
ALTER TABLE branch_actions ADD COLUMN photo_uuid TEXT;
ALTER TABLE branch_actions ADD COLUMN photo_name TEXT;
ALTER TABLE branch_actions ADD COLUMN photo_thumb_name TEXT;
CREATE UNIQUE INDEX branch_actions_photo ON branch_actions (photo_uuid)
    WHERE photo_uuid IS NOT NULL;
"""
    )


@migrations()
def m014_appeals(db):
    """A branch manager challenges a finding on a published scorecard (issue 16, item 4):
    which standard, why, and an optional photo (the display copy and thumbnail the photo
    pipeline made) or PDF, kept in the photo folder under names the server makes up. Head
    office upholds it (the finding stands) or overturns it (the answer is corrected, the
    visit rescored), with a comment. One open appeal per standard of a visit. The
    scorecard shows them, so a change draws a new page token (track_changes)."""
    db.executescript(
        """
CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    made_by INTEGER NOT NULL REFERENCES users (id),
    made_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    attachment_kind TEXT CHECK (attachment_kind IN ('photo', 'pdf')),
    attachment_name TEXT UNIQUE,
    attachment_thumb TEXT UNIQUE,
    attachment_bytes INTEGER,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'overturned')),
    decided_by INTEGER REFERENCES users (id),
    decided_at TEXT,
    decision_comment TEXT NOT NULL DEFAULT '',
    CHECK ((attachment_kind IS NULL) = (attachment_name IS NULL))
);
CREATE UNIQUE INDEX appeals_one_open ON appeals (visit_id, question_id) WHERE status = 'open';
CREATE INDEX appeals_visit ON appeals (visit_id, question_id);
CREATE INDEX appeals_waiting ON appeals (made_at) WHERE status = 'open';
CREATE INDEX appeals_branch ON appeals (branch_id, status);
"""
    )
    track_changes(db, "appeals")


@migrations()
def m015_jobs(db):
    """The job board (issue 18): head office publishes open visits, one or a wave at a
    time, each with its window, scenario, fee and expense cap (whole minor units of
    `currency`, never a float), and the conditions to take it. A self-assign job goes to
    the first eligible shopper who takes it; an apply job waits for head office to approve
    one applicant. Taking (or approving) creates the shopper's assignment, on the day they
    plan to go; cancelling before the cut-off cancels it and re-opens the job.
    A shopper's profile holds their home area and how far they will travel."""
    db.executescript(
        """
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    checklist_id INTEGER NOT NULL REFERENCES checklists (id),
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL CHECK (window_end >= window_start),
    scenario TEXT NOT NULL DEFAULT '',
    fee_minor INTEGER NOT NULL CHECK (fee_minor >= 0),
    expense_cap_minor INTEGER NOT NULL DEFAULT 0 CHECK (expense_cap_minor >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    mode TEXT NOT NULL DEFAULT 'self' CHECK (mode IN ('self', 'apply')),
    qualification_id INTEGER,
    min_rating REAL,
    wave TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'taken', 'withdrawn')),
    taken_by INTEGER REFERENCES users (id),
    planned_day TEXT,
    assignment_id INTEGER UNIQUE REFERENCES assignments (id),
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    CHECK ((status = 'taken') = (assignment_id IS NOT NULL))
);
CREATE INDEX jobs_open ON jobs (window_end) WHERE status = 'open';
CREATE INDEX jobs_taken_by ON jobs (taken_by, planned_day);

CREATE TABLE job_applications (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    planned_day TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'approved', 'declined', 'withdrawn')),
    applied_at TEXT NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at TEXT
);
CREATE UNIQUE INDEX job_applications_one ON job_applications (job_id, shopper_id)
    WHERE status = 'waiting';

CREATE TABLE job_cancellations (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    reason TEXT NOT NULL,
    cancelled_at TEXT NOT NULL
);

CREATE TABLE shopper_profiles (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    home_area TEXT NOT NULL DEFAULT '',
    home_latitude REAL,
    home_longitude REAL,
    max_distance_km REAL CHECK (max_distance_km IS NULL OR max_distance_km > 0),
    CHECK ((home_latitude IS NULL) = (home_longitude IS NULL))
);
"""
    )


@migrations()
def m016_quizzes(db):
    """Qualification quizzes (issue 18): head office writes a short multiple-choice quiz as
    text (domain/quizzes.py says the format) with a pass mark, perhaps for one checklist; a
    job may ask for one. Every attempt is kept; one pass is enough for good."""
    db.executescript(
        """
CREATE TABLE quizzes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    pass_mark INTEGER NOT NULL CHECK (pass_mark BETWEEN 1 AND 100),
    checklist_id INTEGER REFERENCES checklists (id),
    created_by INTEGER REFERENCES users (id),
    updated_at TEXT NOT NULL
);
CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY,
    quiz_id INTEGER NOT NULL REFERENCES quizzes (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    at TEXT NOT NULL,
    right_answers INTEGER NOT NULL,
    asked INTEGER NOT NULL,
    percent INTEGER NOT NULL,
    passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
    answers TEXT NOT NULL
);
CREATE INDEX quiz_attempts_shopper ON quiz_attempts (shopper_id, quiz_id, passed);
"""
    )


@migrations()
def m017_payments(db):
    """What shoppers are owed (issue 18). A published visit gets one payable line: the
    fee of the job it came from plus its approved expenses, in whole minor units of one
    currency. Lines move unpaid -> approved -> paid, the last in a batch (one bank or
    payroll run). A shopper claims an expense for a visit with a receipt photo from that
    visit, up to the job's cap; head office approves it or trims it with a reason."""
    db.executescript(
        """
CREATE TABLE expenses (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL UNIQUE REFERENCES visits (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    claimed_minor INTEGER NOT NULL CHECK (claimed_minor > 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    receipt_photo_id INTEGER NOT NULL REFERENCES photos (id),
    note TEXT NOT NULL DEFAULT '',
    claimed_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'approved', 'trimmed')),
    approved_minor INTEGER CHECK (approved_minor IS NULL OR approved_minor >= 0),
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES users (id),
    decided_at TEXT
);
CREATE TABLE payment_batches (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    paid_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id)
);
CREATE TABLE payable_lines (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL UNIQUE REFERENCES visits (id),
    shopper_id INTEGER NOT NULL REFERENCES users (id),
    fee_minor INTEGER NOT NULL CHECK (fee_minor >= 0),
    expenses_minor INTEGER NOT NULL DEFAULT 0 CHECK (expenses_minor >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    status TEXT NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'approved', 'paid')),
    created_at TEXT NOT NULL,
    approved_at TEXT,
    approved_by INTEGER REFERENCES users (id),
    batch_id INTEGER REFERENCES payment_batches (id),
    CHECK ((status = 'paid') = (batch_id IS NOT NULL))
);
CREATE INDEX payable_lines_status ON payable_lines (status, created_at);
CREATE INDEX payable_lines_shopper ON payable_lines (shopper_id, status);
"""
    )


@migrations()
def m018_photo_ids_per_visit(db):
    """A phone names each photo with a UUID of its own making; that name is now looked up
    within its visit only (`client_uuid`, unique per visit), so a shopper cannot learn
    whether another visit holds a photo of some id by sending one under it (issue 19).
    `uuid` stays the photo's unique name in URLs: the phone's, unless another visit
    already has it, when the server picks a fresh one."""
    db.executescript(
        """
ALTER TABLE photos ADD COLUMN client_uuid TEXT;
UPDATE photos SET client_uuid = uuid;
CREATE UNIQUE INDEX photos_client_uuid ON photos (visit_id, client_uuid);
"""
    )


@migrations()
def m019_export_jobs(db):
    """Exports too large to wait for (issue 20) are written in the background to a file,
    for the person who asked only: its progress (rows written of rows expected), a
    heartbeat so a job interrupted by a restart is seen and failed, and the file kept for
    a day."""
    db.executescript(
        """
CREATE TABLE export_jobs (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    rows_expected INTEGER NOT NULL,
    rows_written INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX export_jobs_user ON export_jobs (user_id, created_at);
"""
    )


@migrations()
def m020_unacknowledged_index(db):
    """The overview counts published visits no branch has acknowledged: over 200,000
    visits a scan took 355 ms; this index holds only the unacknowledged (issue 20)."""
    db.execute("CREATE INDEX visits_unacknowledged ON visits (status) "
               "WHERE acknowledged_at IS NULL")


@migrations()
def m021_standard_lists(db):
    """Weakest standards over a year read every answer of 100,000 visits (3,000,000 rows,
    4 s). Each visit now keeps, beside its score, the basic standards it failed and those
    of its checklist it did not check (N/A, unanswered, skipped): short lists written by
    score_and_store in the same transaction as the answers, from which the report counts
    failures and checks per standard and branch (comparisons.weakest_standards)."""
    db.executescript(
        """
ALTER TABLE visits ADD COLUMN failed_standards TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN unchecked_standards TEXT NOT NULL DEFAULT '';
CREATE INDEX visits_standards ON visits
    (status, visit_date, branch_id, version_id, failed_standards, unchecked_standards);
"""
    )
    fill_standard_lists(db)


def fill_standard_lists(db, visit_ids: str = "SELECT id FROM visits") -> None:
    """Compute the visits' standard lists from their answers (the backfill, and bulk loads
    that insert answers directly)."""
    db.execute(
        f"""UPDATE visits SET
            failed_standards = COALESCE((
                SELECT group_concat(a.question_id) FROM answers a
                JOIN questions q ON q.id = a.question_id
                WHERE a.visit_id = visits.id AND q.category = 'basic'
                  AND a.outcome = 'not_met'), ''),
            unchecked_standards = COALESCE((
                SELECT group_concat(q.id) FROM questions q
                JOIN touchpoints t ON t.id = q.touchpoint_id
                WHERE t.version_id = visits.version_id AND q.category = 'basic'
                  AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.visit_id = visits.id
                                  AND a.question_id = q.id
                                  AND a.outcome IN ('met', 'not_met'))), '')
            WHERE id IN ({visit_ids})""")


@migrations()
def m022_monthly_sums(db):
    """Month by month sums of published results (issue 20): trends, consistency and
    moments over a year read a few thousand of these rather than 100,000 visits and
    600,000 touchpoint results. Triggers keep them in the same transaction as every change
    to a published visit or result (publication, correction, rescoring, withdrawal), so no
    write path can forget them. Keyed by branch (a branch may change region) and checklist;
    a report takes the months wholly inside its period from here and the days of its first
    and last months from the visits themselves (comparisons.py)."""
    db.executescript(
        """
CREATE TABLE monthly_visits (
    month TEXT NOT NULL,
    branch_id INTEGER NOT NULL,
    checklist_id INTEGER NOT NULL,
    visits INTEGER NOT NULL DEFAULT 0,
    scored INTEGER NOT NULL DEFAULT 0,
    score_sum REAL NOT NULL DEFAULT 0,
    score_squares REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (month, branch_id, checklist_id)
) WITHOUT ROWID;
CREATE TABLE monthly_touchpoints (
    month TEXT NOT NULL,
    touchpoint_key TEXT NOT NULL,
    branch_id INTEGER NOT NULL,
    checklist_id INTEGER NOT NULL,
    results INTEGER NOT NULL DEFAULT 0,
    scored INTEGER NOT NULL DEFAULT 0,
    score_sum REAL NOT NULL DEFAULT 0,
    score_squares REAL NOT NULL DEFAULT 0,
    golden INTEGER NOT NULL DEFAULT 0,
    dull INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, touchpoint_key, branch_id, checklist_id)
) WITHOUT ROWID;

CREATE TRIGGER monthly_visits_add AFTER INSERT ON visits WHEN NEW.status = 'published'
BEGIN
    INSERT INTO monthly_visits VALUES (
        substr(NEW.visit_date, 1, 7), NEW.branch_id,
        (SELECT checklist_id FROM checklist_versions WHERE id = NEW.version_id),
        1, NEW.score IS NOT NULL, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0))
    ON CONFLICT DO UPDATE SET visits = visits + 1, scored = scored + excluded.scored,
        score_sum = score_sum + excluded.score_sum,
        score_squares = score_squares + excluded.score_squares;
END;
CREATE TRIGGER monthly_visits_remove AFTER DELETE ON visits WHEN OLD.status = 'published'
BEGIN
    UPDATE monthly_visits SET visits = visits - 1, scored = scored - (OLD.score IS NOT NULL),
        score_sum = score_sum - COALESCE(OLD.score, 0),
        score_squares = score_squares - COALESCE(OLD.score * OLD.score, 0)
    WHERE month = substr(OLD.visit_date, 1, 7) AND branch_id = OLD.branch_id
      AND checklist_id = (SELECT checklist_id FROM checklist_versions WHERE id = OLD.version_id);
END;
CREATE TRIGGER monthly_visits_change AFTER UPDATE OF status, score, visit_date, branch_id,
    version_id ON visits WHEN OLD.status = 'published' OR NEW.status = 'published'
BEGIN
    UPDATE monthly_visits SET visits = visits - 1, scored = scored - (OLD.score IS NOT NULL),
        score_sum = score_sum - COALESCE(OLD.score, 0),
        score_squares = score_squares - COALESCE(OLD.score * OLD.score, 0)
    WHERE OLD.status = 'published' AND month = substr(OLD.visit_date, 1, 7)
      AND branch_id = OLD.branch_id
      AND checklist_id = (SELECT checklist_id FROM checklist_versions WHERE id = OLD.version_id);
    INSERT INTO monthly_visits SELECT
        substr(NEW.visit_date, 1, 7), NEW.branch_id,
        (SELECT checklist_id FROM checklist_versions WHERE id = NEW.version_id),
        1, NEW.score IS NOT NULL, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0)
    WHERE NEW.status = 'published'
    ON CONFLICT DO UPDATE SET visits = visits + 1, scored = scored + excluded.scored,
        score_sum = score_sum + excluded.score_sum,
        score_squares = score_squares + excluded.score_squares;
END;

CREATE TRIGGER monthly_touchpoints_add AFTER INSERT ON visit_touchpoints
    WHEN NEW.published = 1
BEGIN
    INSERT INTO monthly_touchpoints VALUES (
        substr(NEW.visit_date, 1, 7), NEW.touchpoint_key, NEW.branch_id,
        (SELECT cv.checklist_id FROM touchpoints t JOIN checklist_versions cv
         ON cv.id = t.version_id WHERE t.id = NEW.touchpoint_id),
        1, NEW.score IS NOT NULL, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0),
        COALESCE(NEW.moment = 'golden', 0), COALESCE(NEW.moment = 'dull', 0))
    ON CONFLICT DO UPDATE SET results = results + 1, scored = scored + excluded.scored,
        score_sum = score_sum + excluded.score_sum,
        score_squares = score_squares + excluded.score_squares,
        golden = golden + excluded.golden, dull = dull + excluded.dull;
END;
CREATE TRIGGER monthly_touchpoints_remove AFTER DELETE ON visit_touchpoints
    WHEN OLD.published = 1
BEGIN
    UPDATE monthly_touchpoints SET results = results - 1,
        scored = scored - (OLD.score IS NOT NULL), score_sum = score_sum - COALESCE(OLD.score, 0),
        score_squares = score_squares - COALESCE(OLD.score * OLD.score, 0),
        golden = golden - COALESCE(OLD.moment = 'golden', 0),
        dull = dull - COALESCE(OLD.moment = 'dull', 0)
    WHERE month = substr(OLD.visit_date, 1, 7) AND touchpoint_key = OLD.touchpoint_key
      AND branch_id = OLD.branch_id
      AND checklist_id = (SELECT cv.checklist_id FROM touchpoints t JOIN checklist_versions cv
                          ON cv.id = t.version_id WHERE t.id = OLD.touchpoint_id);
END;
CREATE TRIGGER monthly_touchpoints_change AFTER UPDATE OF published, score, moment,
    visit_date, branch_id, touchpoint_id, touchpoint_key ON visit_touchpoints
    WHEN OLD.published = 1 OR NEW.published = 1
BEGIN
    UPDATE monthly_touchpoints SET results = results - 1,
        scored = scored - (OLD.score IS NOT NULL), score_sum = score_sum - COALESCE(OLD.score, 0),
        score_squares = score_squares - COALESCE(OLD.score * OLD.score, 0),
        golden = golden - COALESCE(OLD.moment = 'golden', 0),
        dull = dull - COALESCE(OLD.moment = 'dull', 0)
    WHERE OLD.published = 1 AND month = substr(OLD.visit_date, 1, 7)
      AND touchpoint_key = OLD.touchpoint_key AND branch_id = OLD.branch_id
      AND checklist_id = (SELECT cv.checklist_id FROM touchpoints t JOIN checklist_versions cv
                          ON cv.id = t.version_id WHERE t.id = OLD.touchpoint_id);
    INSERT INTO monthly_touchpoints SELECT
        substr(NEW.visit_date, 1, 7), NEW.touchpoint_key, NEW.branch_id,
        (SELECT cv.checklist_id FROM touchpoints t JOIN checklist_versions cv
         ON cv.id = t.version_id WHERE t.id = NEW.touchpoint_id),
        1, NEW.score IS NOT NULL, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0),
        COALESCE(NEW.moment = 'golden', 0), COALESCE(NEW.moment = 'dull', 0)
    WHERE NEW.published = 1
    ON CONFLICT DO UPDATE SET results = results + 1, scored = scored + excluded.scored,
        score_sum = score_sum + excluded.score_sum,
        score_squares = score_squares + excluded.score_squares,
        golden = golden + excluded.golden, dull = dull + excluded.dull;
END;

INSERT INTO monthly_visits
    SELECT substr(v.visit_date, 1, 7), v.branch_id, cv.checklist_id, COUNT(*),
           COUNT(v.score), COALESCE(SUM(v.score), 0), COALESCE(SUM(v.score * v.score), 0)
    FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
    WHERE v.status = 'published' GROUP BY 1, 2, 3;
INSERT INTO monthly_touchpoints
    SELECT substr(vt.visit_date, 1, 7), vt.touchpoint_key, vt.branch_id, cv.checklist_id,
           COUNT(*), COUNT(vt.score), COALESCE(SUM(vt.score), 0),
           COALESCE(SUM(vt.score * vt.score), 0), COALESCE(SUM(vt.moment = 'golden'), 0),
           COALESCE(SUM(vt.moment = 'dull'), 0)
    FROM visit_touchpoints vt JOIN touchpoints t ON t.id = vt.touchpoint_id
    JOIN checklist_versions cv ON cv.id = t.version_id
    WHERE vt.published = 1 GROUP BY 1, 2, 3, 4;
"""
    )


@migrations()
def m023_shopper_scores_index(db):
    """Shoppers' calibration reads each published visit's shopper, branch and score over
    the period: from this covering index, 0.07 s for a year of 100,000 visits rather than
    0.47 s through the table (issue 20)."""
    db.execute("CREATE INDEX visits_shopper_scores ON visits "
               "(status, visit_date, branch_id, shopper_id, score)")


@migrations()
def m024_monthly_standards(db):
    """Weakest standards over a year still counted 100,000 visits' lists of failed and
    unchecked standards in Python (1.4 s). These month by month sums hold how many
    published visits each checklist version had, and how often each standard was failed
    or left unchecked (a standard was checked on a visit of its version that did not
    leave it unchecked): per branch, for the branches where a standard fails most, and
    per region, for ranking the standards, which then reads a few thousand rows rather
    than half a million.

    Kept by triggers like m022's, in the same transaction as every change to a published
    visit (publication, rescoring, a date or branch moved, withdrawal); the region sums
    follow the branch sums, and move with a branch that changes region. The visits'
    lists are comma-separated question ids, so `[list]` is a JSON array json_each can
    open inside a trigger."""
    db.executescript(
        """
CREATE TABLE monthly_versions (
    month TEXT NOT NULL,
    version_id INTEGER NOT NULL,
    branch_id INTEGER NOT NULL,
    checklist_id INTEGER NOT NULL,
    visits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, version_id, branch_id)
) WITHOUT ROWID;
CREATE TABLE monthly_standards (
    month TEXT NOT NULL,
    question_id INTEGER NOT NULL,
    branch_id INTEGER NOT NULL,
    checklist_id INTEGER NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    unchecked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, question_id, branch_id)
) WITHOUT ROWID;
CREATE INDEX monthly_standards_question ON monthly_standards
    (question_id, month, branch_id, checklist_id, failed, unchecked);
CREATE TABLE monthly_region_standards (
    month TEXT NOT NULL,
    question_id INTEGER NOT NULL,
    region TEXT NOT NULL,
    checklist_id INTEGER NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    unchecked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, question_id, region, checklist_id)
) WITHOUT ROWID;

CREATE TRIGGER monthly_standards_add AFTER INSERT ON visits WHEN NEW.status = 'published'
BEGIN
    INSERT INTO monthly_versions SELECT substr(NEW.visit_date, 1, 7), NEW.version_id,
        NEW.branch_id, cv.checklist_id, 1 FROM checklist_versions cv WHERE cv.id = NEW.version_id
    ON CONFLICT DO UPDATE SET visits = visits + 1;
    INSERT INTO monthly_standards SELECT substr(NEW.visit_date, 1, 7), j.value, NEW.branch_id,
        cv.checklist_id, 1, 0
    FROM checklist_versions cv, json_each('[' || NEW.failed_standards || ']') j
    WHERE cv.id = NEW.version_id
    ON CONFLICT DO UPDATE SET failed = failed + 1;
    INSERT INTO monthly_standards SELECT substr(NEW.visit_date, 1, 7), j.value, NEW.branch_id,
        cv.checklist_id, 0, 1
    FROM checklist_versions cv, json_each('[' || NEW.unchecked_standards || ']') j
    WHERE cv.id = NEW.version_id
    ON CONFLICT DO UPDATE SET unchecked = unchecked + 1;
END;
CREATE TRIGGER monthly_standards_remove AFTER DELETE ON visits WHEN OLD.status = 'published'
BEGIN
    UPDATE monthly_versions SET visits = visits - 1 WHERE month = substr(OLD.visit_date, 1, 7)
        AND version_id = OLD.version_id AND branch_id = OLD.branch_id;
    UPDATE monthly_standards SET failed = failed - 1
    WHERE month = substr(OLD.visit_date, 1, 7) AND branch_id = OLD.branch_id
      AND question_id IN (SELECT value FROM json_each('[' || OLD.failed_standards || ']'));
    UPDATE monthly_standards SET unchecked = unchecked - 1
    WHERE month = substr(OLD.visit_date, 1, 7) AND branch_id = OLD.branch_id
      AND question_id IN (SELECT value FROM json_each('[' || OLD.unchecked_standards || ']'));
END;
CREATE TRIGGER monthly_standards_change AFTER UPDATE OF status, visit_date, branch_id,
    version_id, failed_standards, unchecked_standards ON visits
    WHEN OLD.status = 'published' OR NEW.status = 'published'
BEGIN
    UPDATE monthly_versions SET visits = visits - 1
    WHERE OLD.status = 'published' AND month = substr(OLD.visit_date, 1, 7)
      AND version_id = OLD.version_id AND branch_id = OLD.branch_id;
    UPDATE monthly_standards SET failed = failed - 1
    WHERE OLD.status = 'published' AND month = substr(OLD.visit_date, 1, 7)
      AND branch_id = OLD.branch_id
      AND question_id IN (SELECT value FROM json_each('[' || OLD.failed_standards || ']'));
    UPDATE monthly_standards SET unchecked = unchecked - 1
    WHERE OLD.status = 'published' AND month = substr(OLD.visit_date, 1, 7)
      AND branch_id = OLD.branch_id
      AND question_id IN (SELECT value FROM json_each('[' || OLD.unchecked_standards || ']'));
    INSERT INTO monthly_versions SELECT substr(NEW.visit_date, 1, 7), NEW.version_id,
        NEW.branch_id, cv.checklist_id, 1 FROM checklist_versions cv
    WHERE NEW.status = 'published' AND cv.id = NEW.version_id
    ON CONFLICT DO UPDATE SET visits = visits + 1;
    INSERT INTO monthly_standards SELECT substr(NEW.visit_date, 1, 7), j.value, NEW.branch_id,
        cv.checklist_id, 1, 0
    FROM checklist_versions cv, json_each('[' || NEW.failed_standards || ']') j
    WHERE NEW.status = 'published' AND cv.id = NEW.version_id
    ON CONFLICT DO UPDATE SET failed = failed + 1;
    INSERT INTO monthly_standards SELECT substr(NEW.visit_date, 1, 7), j.value, NEW.branch_id,
        cv.checklist_id, 0, 1
    FROM checklist_versions cv, json_each('[' || NEW.unchecked_standards || ']') j
    WHERE NEW.status = 'published' AND cv.id = NEW.version_id
    ON CONFLICT DO UPDATE SET unchecked = unchecked + 1;
END;

CREATE TRIGGER monthly_region_standards_add AFTER INSERT ON monthly_standards
BEGIN
    INSERT INTO monthly_region_standards SELECT NEW.month, NEW.question_id, b.region,
        NEW.checklist_id, NEW.failed, NEW.unchecked FROM branches b WHERE b.id = NEW.branch_id
    ON CONFLICT DO UPDATE SET failed = failed + excluded.failed,
        unchecked = unchecked + excluded.unchecked;
END;
CREATE TRIGGER monthly_region_standards_change AFTER UPDATE ON monthly_standards
BEGIN
    INSERT INTO monthly_region_standards SELECT NEW.month, NEW.question_id, b.region,
        NEW.checklist_id, NEW.failed - OLD.failed, NEW.unchecked - OLD.unchecked
    FROM branches b WHERE b.id = NEW.branch_id
    ON CONFLICT DO UPDATE SET failed = failed + excluded.failed,
        unchecked = unchecked + excluded.unchecked;
END;
CREATE TRIGGER monthly_region_standards_move AFTER UPDATE OF region ON branches
    WHEN OLD.region != NEW.region
BEGIN
    INSERT INTO monthly_region_standards SELECT s.month, s.question_id, OLD.region,
        s.checklist_id, -s.failed, -s.unchecked FROM monthly_standards s
    WHERE s.branch_id = NEW.id
    ON CONFLICT DO UPDATE SET failed = failed + excluded.failed,
        unchecked = unchecked + excluded.unchecked;
    INSERT INTO monthly_region_standards SELECT s.month, s.question_id, NEW.region,
        s.checklist_id, s.failed, s.unchecked FROM monthly_standards s
    WHERE s.branch_id = NEW.id
    ON CONFLICT DO UPDATE SET failed = failed + excluded.failed,
        unchecked = unchecked + excluded.unchecked;
END;

INSERT INTO monthly_versions
    SELECT substr(v.visit_date, 1, 7), v.version_id, v.branch_id, cv.checklist_id, COUNT(*)
    FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id
    WHERE v.status = 'published' GROUP BY 1, 2, 3;
INSERT INTO monthly_standards
    SELECT month, question_id, branch_id, checklist_id, SUM(failed), SUM(unchecked) FROM (
        SELECT substr(v.visit_date, 1, 7) AS month, j.value AS question_id, v.branch_id,
               cv.checklist_id, 1 AS failed, 0 AS unchecked
        FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id,
             json_each('[' || v.failed_standards || ']') j WHERE v.status = 'published'
        UNION ALL
        SELECT substr(v.visit_date, 1, 7), j.value, v.branch_id, cv.checklist_id, 0, 1
        FROM visits v JOIN checklist_versions cv ON cv.id = v.version_id,
             json_each('[' || v.unchecked_standards || ']') j WHERE v.status = 'published')
    GROUP BY 1, 2, 3;
"""
    )


@migrations()
def m025_acknowledged_index(db):
    """m020's partial index for the overview's count of unacknowledged visits stopped
    being chosen once m023 added another index starting with the status: SQLite then read
    every published visit's row (0.5 s over 200,000). An index on status and
    acknowledged_at matches both terms, so the planner takes it, and the count reads the
    index alone (11 ms)."""
    db.executescript(
        """
DROP INDEX visits_unacknowledged;
CREATE INDEX visits_acknowledged ON visits (status, acknowledged_at);
"""
    )
