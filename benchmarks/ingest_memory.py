"""Peak memory of `policyqa ingest FILE` on one numbered text plan of 1 MB, 10 MB, 100 MB.

Each size is a prose plan written here (一、 chapters, （一） sections, 1. points with a unit in
parentheses), so every line is read as an item. `policyqa ingest` runs in a subprocess on a new
index; the peak resident memory of its whole process tree (the worker processes included) is
sampled from /proc every 50 ms, and the largest single process is taken from getrusage.

    .venv/bin/python benchmarks/ingest_memory.py            # 1 MB and 10 MB
    .venv/bin/python benchmarks/ingest_memory.py 1 10 100   # sizes in MB

It prints one line per size: MB of input, items, seconds, peak MB of the tree and of the largest
process, and the tree's growth per MB of input past the first size (the slope the bound states).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGITS = "零一二三四五六七八九"
UNITS = ("市财政局", "市发展改革局", "市司法局", "市政府办公室", "市生态环境局", "各县（市、区）人民政府")


def chinese(n: int) -> str:
    """A number in Chinese numerals as plans write chapter numbers (1..9999)."""
    out, zero = "", False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + ("" if (value == 10 and digit == 1 and not out) else DIGITS[digit]) + name
            zero = False
        else:
            zero = bool(out)
    return out


def write_plan(path: Path, megabytes: float) -> int:
    """Write a numbered prose plan of about this size; returns how many points it has."""
    target, points = megabytes * 2**20, 0
    with path.open("w", encoding="utf-8") as out:
        out.write("某市2021年政务公开工作要点分工方案\n")
        chapter = 0
        while out.tell() < target:
            chapter += 1
            out.write(f"{chinese(chapter)}、做好第{chapter}类政务信息公开\n")
            for section in range(1, 11):
                out.write(f"（{chinese(section)}）推进第{section}项重点领域信息公开。\n")
                for point in range(1, 31):
                    points += 1
                    unit = UNITS[points % len(UNITS)]
                    out.write(f"{point}.做好第{points}项政府信息公开工作，加强政策解读和回应关切（{unit}负责）。\n")
    return points


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants, now."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def measure(plan: Path, db: Path) -> tuple[float, int, str]:
    """(seconds, peak tree bytes, last stderr line) of one ingest."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bot", "ingest", "--db", str(db), str(plan)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    last = (process.stderr.read().strip().splitlines() or [""])[-1] if process.stderr else ""
    return time.perf_counter() - start, peak, last


def main() -> None:
    """Write each size, ingest it, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=float, default=[1.0, 10.0], help="plan sizes in MB")
    args = parser.parse_args()
    print(f"{'input MB':>8} {'items':>8} {'seconds':>8} {'tree MB':>8} {'largest MB':>10}  result")
    first: tuple[float, int] | None = None
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            plan, db = Path(folder, f"plan-{size:g}mb.txt"), Path(folder, f"index-{size:g}.db")
            points = write_plan(plan, size)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            seconds, peak, last = measure(plan, db)
            largest = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            mb = plan.stat().st_size / 2**20
            slope = f"  {(peak - first[1]) / 2**20 / (mb - first[0]):.1f} MB per input MB" if first else ""
            print(f"{mb:8.1f} {points:8d} {seconds:8.1f} {peak / 2**20:8.0f} {largest / 1024:10.0f}  {last}{slope}",
                  flush=True)
            first = first or (mb, peak)
            plan.unlink()


if __name__ == "__main__":
    main()
