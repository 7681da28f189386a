"""Items read by id are kept by the connection that read them, and read again once the index changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from index.engine import build_index
from index.store import Store

PLAN = Path(__file__).parent.parent / "corpus" / "zhanjiang-2021.txt"


def test_items_are_read_again_after_another_connection_rebuilds(tmp_path: Path) -> None:
    plan = tmp_path / "zhanjiang-2021.txt"
    shutil.copy(PLAN, plan)
    build_index(Store(tmp_path / "policyqa.db"), [plan])
    reader = Store(tmp_path / "policyqa.db")
    first = reader.items_by_id([3, 1])
    assert list(first) == [1, 3]
    assert reader.items_by_id([1])[1] is first[1]  # kept
    Store(tmp_path / "policyqa.db").record_question("chat", "问题", "who", [], 1.0, False)  # the log: no index change
    assert reader.items_by_id([1])[1] is first[1]
    text = first[1].text
    plan.write_text(PLAN.read_text(encoding="utf-8").replace(text[:12], "改过的开头文字"), encoding="utf-8")
    build_index(Store(tmp_path / "policyqa.db"), [plan])
    again = reader.items_by_id([1])[1]
    assert again.text.startswith("改过的开头文字")
    assert again.text[len("改过的开头文字"):] == text[12:]
