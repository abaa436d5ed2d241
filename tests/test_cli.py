"""The `shopper` command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shopper.store.connection import connect

COMMANDS = ["init-db", "demo", "create-user", "import-checklist", "backup", "clean-photos",
            "expire-photos", "send-mail", "run"]


@pytest.mark.slow  # a fresh interpreter per command
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(tmp_path, command):
    result = subprocess.run(
        [sys.executable, "-c", "from shopper.cli import main; main()", command, "--help"],
        capture_output=True, text=True, env={"SHOPPER_INSTANCE_PATH": str(tmp_path),
                                             "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_create_user_makes_a_manager_of_named_branches(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "New.Manager@Example.com", "--name", "New Manager",
        "--role", "manager", "--branch", "LDS01", "--branch", "MAN01",
        "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    db = connect(app.config["DATABASE"])
    codes = [r[0] for r in db.execute(
        """SELECT b.code FROM users u JOIN manager_branches m ON m.user_id = u.id
           JOIN branches b ON b.id = m.branch_id WHERE u.email = 'new.manager@example.com'
           ORDER BY b.code""")]
    assert codes == ["LDS01", "MAN01"]
    db.close()


@pytest.mark.parametrize(("args", "message"), [
    (["--email", "not-an-email", "--role", "office", "--password", "long-enough-1"],
     "is not an email address"),
    (["--email", "a@b.test", "--role", "office", "--password", "short"], "10 to 200"),
    (["--email", "shopper@demo.test", "--role", "shopper", "--password", "long-enough-1"],
     "already exists"),
    (["--email", "m@b.test", "--role", "manager", "--branch", "NOPE", "--password",
      "long-enough-1"], "no branch with code 'NOPE'"),
])
def test_create_user_refuses_bad_input_clearly(app, args, message):
    result = app.test_cli_runner().invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM users WHERE email IN ('m@b.test', 'a@b.test')"
                      ).fetchone()[0] == 0
    db.close()
