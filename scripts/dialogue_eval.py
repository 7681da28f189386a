"""Run scripted dialogues through `policyqa chat --json` (one process per dialogue) and print the
share of follow-up turns answered from the right item, and every miss.

    .venv/bin/python scripts/dialogue_eval.py tests/data/dialogues.jsonl [--db policyqa.db]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.dialogue_eval import score_dialogues  # noqa: E402


def main() -> None:
    """Score the dialogues of the file named."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--db", default="policyqa.db")
    args = parser.parse_args()

    def run(messages: list[str]) -> list[dict]:
        """One dialogue through its own `policyqa chat --json`."""
        done = subprocess.run([sys.executable, "-m", "bot", "chat", "--json", "--db", args.db],
                              input="".join(f"{m}\n" for m in messages), capture_output=True, text=True, check=True)
        return [json.loads(line) for line in done.stdout.splitlines()]

    dialogues = [json.loads(line) for line in args.path.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = score_dialogues(dialogues, run)
    for miss in report.misses:
        print(f"miss  {miss}")
    print(f"dialogues {len(dialogues)}, scored turns {report.scored}, right {report.right} ({report.share:.1%})")


if __name__ == "__main__":
    main()
