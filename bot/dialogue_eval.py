"""Score scripted dialogues (tests/data/dialogues.jsonl): the share of follow-up turns answered from
the item their carried-over place, topic or item points to.

Each line: {"id", "turns": [{"q", and what the reply must be}]}: "expect" (the first answer is one
of these "doc number"), "pick": n (the n-th item of the reply before), "same" (the item of the
reply before), "more" (items none of the earlier replies showed), "hint" (a follow-up with nothing
to follow), "none" (not covered). "regions": n asks for answers from at least n plans. A turn
with none of these is a question whose answer is not scored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DialogueReport:
    """Scored turns and the misses, by dialogue id and turn."""

    scored: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """Share of scored turns answered right."""
        return self.right / self.scored if self.scored else 0.0


def score_dialogues(dialogues: list[dict], run: Callable[[list[str]], list[dict]]) -> DialogueReport:
    """Run each dialogue (run: messages -> one `chat --json` object per message) and score its turns."""
    report = DialogueReport()
    for dialogue in dialogues:
        turns = dialogue["turns"]
        replies = run([t["q"] for t in turns])
        shown: set[str] = set()
        for number, (turn, reply) in enumerate(zip(turns, replies)):
            items = [f"{a['doc']} {a['item']}" for a in reply["answers"]]
            if any(k in turn for k in ("expect", "pick", "same", "more", "hint", "none")):
                report.scored += 1
                before = [f"{a['doc']} {a['item']}" for a in replies[number - 1]["answers"]] if number else []
                if _right(turn, reply, items, before, shown):
                    report.right += 1
                else:
                    report.misses.append(f"{dialogue['id']}#{number + 1} {turn['q']} -> {items[:3]}")
            shown |= set(items)
    return report


def _right(turn: dict, reply: dict, items: list[str], before: list[str], shown: set[str]) -> bool:
    """True when a reply is what the turn expects."""
    if "hint" in turn:
        return reply["no_answer"] and (reply.get("context") or {}).get("kind") == "followup"
    if "none" in turn:
        return reply["no_answer"]
    if not items:
        return False
    if "expect" in turn:
        return items[0] in turn["expect"] and len({i.split()[0] for i in items}) >= turn.get("regions", 1)
    if "pick" in turn:
        return len(before) >= turn["pick"] and items == [before[turn["pick"] - 1]]
    if "same" in turn:
        return items == before[:1]
    return not set(items) & shown  # more
