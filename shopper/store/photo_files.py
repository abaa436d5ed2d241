"""Photo files (and the PDFs that appeals carry) on disk, under the instance folder (never
under static/), with names the server makes up: nothing of the uploaded file name reaches
the disk."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write(folder: str, data: bytes, suffix: str, extension: str = ".jpg") -> str:
    """Write `data` durably under a new random name; return the name relative to folder.
    Photos are JPEGs; an appeal's document is a PDF."""
    token = secrets.token_hex(16)
    name = f"{token[:2]}/{token}{suffix}{extension}"
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return name


def path_of(folder: str, name: str) -> Path:
    path = (Path(folder) / name).resolve()
    if Path(folder).resolve() not in path.parents:
        raise ValueError("photo name points outside the photo folder")
    return path


def remove(folder: str, *names: str) -> None:
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            path_of(folder, name).unlink()
