"""Branches: the one module that writes the branches table."""

from __future__ import annotations

from shopper.domain.branch_list import parse_branches_csv
from shopper.store.connection import Database


def import_branches(db: Database, text: str) -> tuple[int, int]:
    """Add new branches and update known ones (by code); nothing at all if any row is wrong.
    Returns (added, updated)."""
    rows = parse_branches_csv(text)
    known = {r[0] for r in db.execute("SELECT code FROM branches")}
    with db.atomic():
        for row in rows:
            db.execute(
                """INSERT INTO branches (code, name, region, address, latitude, longitude,
                       time_zone)
                   VALUES (:code, :name, :region, :address, :latitude, :longitude, :time_zone)
                   ON CONFLICT (code) DO UPDATE SET name = excluded.name,
                       region = excluded.region, address = excluded.address,
                       latitude = excluded.latitude, longitude = excluded.longitude,
                       time_zone = COALESCE(excluded.time_zone, branches.time_zone)""", row)
    added = sum(1 for r in rows if r["code"] not in known)
    return added, len(rows) - added


def add_branch(db: Database, *, code: str, name: str, region: str, address: str = "",
               latitude: float | None = None, longitude: float | None = None,
               time_zone: str | None = None) -> None:
    """Add a branch unless its code is known (the demo data set runs again safely). A
    time zone of None is the configured default."""
    db.execute(
        """INSERT INTO branches (code, name, region, address, latitude, longitude, time_zone)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING""",
        [code, name, region, address, latitude, longitude, time_zone],
    )


def all_branches(db: Database) -> list[dict]:
    return list(db.query("SELECT * FROM branches ORDER BY region, name"))


def branch_page(db: Database, *, region: str = "", search: str = "", limit: int = -1,
                offset: int = 0) -> tuple[list[dict], int]:
    """Branches by region and name, optionally one region's or those whose code or name
    contains `search`: `limit` of them from `offset` (-1: all), and how many in all."""
    where = ("(:region = '' OR region = :region) AND (:search = '' OR code LIKE :like "
             "OR name LIKE :like)")
    args = {"region": region, "search": search, "like": f"%{search}%", "limit": limit,
            "offset": offset}
    total = db.execute(f"SELECT COUNT(*) FROM branches WHERE {where}", args).fetchone()[0]
    return list(db.query(f"SELECT * FROM branches WHERE {where} ORDER BY region, name "
                         "LIMIT :limit OFFSET :offset", args)), total


def count(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM branches").fetchone()[0]


def active_branches(db: Database) -> list[dict]:
    return list(db.query("SELECT id, code, name, region FROM branches WHERE active = 1 "
                         "ORDER BY region, name"))


def ids_of_codes(db: Database, codes: list[str]) -> dict[str, int]:
    """The ids of the branches with these codes (unknown codes are left out)."""
    return dict(db.execute(
        f"SELECT code, id FROM branches WHERE code IN ({','.join('?' * len(codes))})",
        codes).fetchall())


def regions(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT region FROM branches ORDER BY region")]
