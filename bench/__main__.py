"""`python -m bench [NAME ...] [--smoke] [--out FILE]`: run the benchmarks (all by default,
in the order of issue 7) and write their results, with the machine's description, to
docs/BENCHMARKS.md."""

from __future__ import annotations

import argparse
import importlib
import os
import time
from datetime import UTC, datetime

from .common import ROOT, machine

BENCHMARKS = ["photo_ingest", "page_bytes", "throughput", "head_office", "head_office_pages",
              "sync_load", "field_visit"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition")
    parser.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    sections, started = [], time.monotonic()
    for name in args.names or BENCHMARKS:
        print(f"== {name}", flush=True)
        section = importlib.import_module(f"bench.{name}").run(smoke=args.smoke)
        print(section.markdown(), flush=True)
        sections.append(section)
    minutes = (time.monotonic() - started) / 60
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = ["# Benchmarks", "",
              f"Written by `bash scripts/bench` on {stamp} in {minutes:.0f} min.", "",
              f"Machine: {machine()}.", "",
              "Timings are medians of several runs in one go on a shared, noisy machine; "
              "ratios compare with a baseline measured in the same run.", ""]
    if args.names and os.path.exists(args.out):  # some of them: the others' results stay
        stamp_line = f"{', '.join(args.names)} rerun on {stamp} in {minutes:.0f} min."
        with open(args.out, encoding="utf-8") as fh:
            old = fh.read()
        text = with_sections_replaced(old, [s.markdown() for s in sections], stamp_line)
    else:
        text = "\n".join(header + [s.markdown() for s in sections]) + kept_history(args.out)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"Wrote {args.out}")


HISTORY = "\n## History\n"


def with_sections_replaced(old: str, sections: list[str], stamp_line: str) -> str:
    """The file with each of these sections put in place of the one of the same title (or
    before History when it is new), and a line under the title saying what was rerun and
    when (in place of the line of an earlier rerun of the same ones)."""
    text = old
    for section in sections:
        title = section.split("\n", 1)[0]  # "## Title"
        start = text.find(f"\n{title}\n")
        if start < 0:
            at = text.find(HISTORY)
            at = len(text) if at < 0 else at
            text = text[:at].rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n" + text[at:]
            continue
        end = text.find("\n## ", start + 1)
        end = len(text) if end < 0 else end
        text = text[:start + 1] + section.rstrip("\n") + "\n" + text[end:]
    head, rest = text.split("\n## ", 1)
    again = stamp_line.split(" rerun on ")[0] + " rerun on "
    head = "\n".join(line for line in head.split("\n") if not line.startswith(again))
    title, _, header = head.partition("\n\n")
    return f"{title}\n\n{stamp_line}\n\n{header.strip()}\n\n## {rest}"


def kept_history(path: str) -> str:
    """The file's "History" section (before-and-after figures of past changes, written by
    hand), which a new run keeps below its own results."""
    try:
        with open(path, encoding="utf-8") as fh:
            old = fh.read()
    except FileNotFoundError:
        return ""
    start = old.find(HISTORY)
    return "" if start < 0 else "\n" + old[start:].strip("\n") + "\n"


if __name__ == "__main__":
    main()
