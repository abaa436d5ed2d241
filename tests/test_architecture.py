"""The layers a newcomer reads from the folder listing hold: pure rules import no web
framework and no database, layers only look down, the audiences never import each other,
and every table has exactly one module that writes it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "shopper"
AUDIENCES = ("field", "branch", "office", "api")
# What each layer may import from the package, besides itself.
MAY_IMPORT = {
    "domain": set(),
    "store": {"domain"},
    "workflows": {"domain", "store", "config"},
    "web": {"domain", "store", "workflows", "config", "cli"},
}


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


def imported(path: Path, module: str) -> set[str]:
    """Every shopper module this file imports, at any depth in the file."""
    names = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return {n for n in names if n == "shopper" or n.startswith("shopper.")}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_the_folder_listing_shows_the_layers_and_audiences():
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == {
        "domain", "store", "workflows", "web"}
    assert {p.name for p in (PACKAGE / "web").iterdir() if p.is_dir()
            and p.name != "__pycache__"} == set(AUDIENCES)


@pytest.mark.parametrize("name,path", modules(), ids=[m for m, _ in modules()])
def test_layers_only_look_down(name, path):
    own = layer(name)
    if own not in MAY_IMPORT:
        return  # the package itself, config.py, cli.py
    crossed = set()
    for target in imported(path, name):
        other = layer(target)
        if other is None:  # `from shopper import create_app`
            if own != "web" and target == "shopper":
                crossed.add(target)
            continue
        if other != own and other not in MAY_IMPORT[own]:
            # `import shopper.x` names a module; `from shopper.x import y` may name a value
            crossed.add(target)
    assert not crossed, f"{name} ({own}) imports {sorted(crossed)}"


@pytest.mark.parametrize("name,path", [(m, p) for m, p in modules()
                                       if m.startswith("shopper.web.")
                                       and m.split(".")[2] in AUDIENCES],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_audiences_do_not_import_each_other(name, path):
    own = name.split(".")[2]
    others = {f"shopper.web.{a}" for a in AUDIENCES if a != own}
    crossed = {t for t in imported(path, name)
               if any(t == o or t.startswith(o + ".") for o in others)}
    assert not crossed, f"{name} imports another audience: {sorted(crossed)}"


def test_a_rule_loads_no_web_framework_and_no_database():
    """In a fresh interpreter, importing every pure module (and the package itself) loads
    neither Flask, Werkzeug nor sqlite-utils."""
    pure = [m for m, _ in modules() if m == "shopper" or m.startswith("shopper.domain")]
    script = (f"import importlib, json, sys\n"
              f"for m in {pure!r}: importlib.import_module(m)\n"
              "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", script], check=True,
                                           capture_output=True, text=True).stdout))
    assert not loaded & {"flask", "werkzeug", "sqlite_utils", "flask_login", "flask_wtf"}


def test_the_store_loads_no_web_framework():
    script = ("import importlib, json, pkgutil, sys, shopper.store as s\n"
              "for m in pkgutil.iter_modules(s.__path__): "
              "importlib.import_module('shopper.store.' + m.name)\n"
              "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", script], check=True,
                                           capture_output=True, text=True).stdout))
    assert not loaded & {"flask", "flask_login", "flask_wtf"}


WRITE = re.compile(
    r"""(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?!\s+SET\b)|DELETE\s+FROM|REPLACE\s+INTO)"""
    r"""\s+(\w+)"""
    r"""|db\[["'](\w+)["']\]\.(?:insert|upsert|update|delete)""")


def writers() -> dict[str, set[str]]:
    """Which modules write each table, read off their SQL and sqlite-utils calls (the
    migrations, which build every table, are left out)."""
    found: dict[str, set[str]] = {}
    for name, path in modules():
        if name == "shopper.store.schema":
            continue
        for match in WRITE.finditer(path.read_text("utf-8")):
            table = match[1] or match[2]
            found.setdefault(table, set()).add(name)
    return found


def test_each_table_has_exactly_one_writer_in_the_store():
    found = writers()
    assert {"visits", "answers", "photos", "users", "branches", "assignments"} <= set(found)
    for table, names in sorted(found.items()):
        assert len(names) == 1, f"{table} is written by {sorted(names)}"
        assert next(iter(names)).startswith("shopper.store."), (table, names)


def test_the_writer_check_sees_a_second_writer():
    """The check above would fail on a module that wrote another's table."""
    sample = ('db.execute("UPDATE visits SET score = 1 ON CONFLICT (id) DO UPDATE SET x = 1")'
              '\ndb["photos"].insert(row)')
    assert [m[1] or m[2] for m in WRITE.finditer(sample)] == ["visits", "photos"]


SQL_CALL = re.compile(r"\.(?:query|execute|executemany|executescript)\(|\bsqlite3\.connect\(")


@pytest.mark.parametrize("name,path", [(m, p) for m, p in modules()
                                       if not m.startswith("shopper.store")],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_sql_lives_only_in_the_store(name, path):
    calls = [line.strip() for line in path.read_text("utf-8").splitlines()
             if SQL_CALL.search(line)]
    assert not calls, f"{name} runs SQL itself: {calls}"


# Reading a query parameter by hand is how a year-1 date or a 20-digit id became a 500
# (issue 19): views use web/params.py, or a WTForms filter form given request.args whole.
ARGS_READ = re.compile(r"request\.args\.(?:get|getlist|\[)|request\.args\[")
MAY_READ_ARGS = {"shopper.web.params", "shopper.web.errors",
                 "shopper.web.auth"}  # ?next=, checked by safe_next


@pytest.mark.parametrize("name,path", [(m, p) for m, p in modules()
                                       if m.startswith("shopper.web")
                                       and m not in MAY_READ_ARGS],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_views_read_query_parameters_only_through_params(name, path):
    reads = [line.strip() for line in path.read_text("utf-8").splitlines()
             if ARGS_READ.search(line)]
    assert not reads, f"{name} parses the query string by hand: {reads}"
