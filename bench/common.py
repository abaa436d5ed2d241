"""What every benchmark shares: medians, a result section, a description of the machine."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Section:
    """One benchmark's result: a title, a Markdown body (tables of medians and ratios),
    and the raw figures by name, which the smoke tests and targets read."""

    title: str
    body: str
    figures: dict = field(default_factory=dict)
    # Target name -> (met?, "what was asked"), shown under the section.
    targets: dict = field(default_factory=dict)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", self.body.rstrip(), ""]
        if self.targets:
            lines += ["| target | asked | met |", "|---|---|---|"]
            lines += [f"| {name} | {asked} | {'yes' if met else '**no**'} |"
                      for name, (met, asked) in self.targets.items()]
            lines.append("")
        return "\n".join(lines)


def median_ms(fn, repeat: int, warmup: int = 1) -> float:
    """Median wall time of fn() in milliseconds, after warm-up calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def machine() -> str:
    """Cores, memory, CPU model, OS and Python: what anyone comparing figures needs."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except OSError:
        memory = "unknown memory"
    sqlite = subprocess.run(["python3", "-c", "import sqlite3; print(sqlite3.sqlite_version)"],
                            capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, SQLite {sqlite}")
