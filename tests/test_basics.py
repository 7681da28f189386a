"""The four settings one-shot commands read without pydantic (bot/basics.py), read as Settings reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.basics import Basics, Unsure, read_basics
from bot.cli import cli
from bot.settings import Settings


def basics_of(settings: Settings) -> Basics:
    """The four values as Settings read them."""
    return Basics(settings.db, settings.corpus, settings.ranker, settings.lock_wait)


def test_the_defaults_are_those_of_settings(clean_env: Path) -> None:
    assert read_basics() == Basics(Path("policyqa.db"), Path("corpus"), "postings", 60.0)
    assert basics_of(Settings()) == read_basics()


def test_environment_over_dotenv_names_in_any_case(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("POLICYQA_DB=from-dotenv.db\npolicyqa_ranker=rank-bm25\n"
                                    "POLICYQA_LOCK_WAIT=7\nOTHER_DB=ignored.db\n", encoding="utf-8")
    monkeypatch.setenv("policyqa_lock_wait", "2.5")
    monkeypatch.setenv("POLICYQA_CORPUS", "plans")
    expected = Basics(Path("from-dotenv.db"), Path("plans"), "rank-bm25", 2.5)
    assert read_basics() == expected
    assert basics_of(Settings()) == expected


@pytest.mark.parametrize(("name", "value"), [("POLICYQA_LOCK_WAIT", "1e1"), ("POLICYQA_LOCK_WAIT", "0"),
                                             ("POLICYQA_RANKER", "bm25"), ("POLICYQA_DB", ""), ("POLICYQA_DB", " a.db")])
def test_a_value_it_is_not_sure_of_is_left_to_settings(clean_env: Path, name: str, value: str) -> None:
    with pytest.raises(Unsure):
        read_basics({name: value})


def test_a_bad_basic_setting_is_reported_by_settings(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYQA_RANKER", "bm25")
    result = CliRunner().invoke(cli, ["ask", "规章集中公开"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: bad setting: 1 validation error for Settings")
    assert not (clean_env / "policyqa.db").exists()


def test_other_settings_are_checked_by_the_front_ends_that_read_them(clean_env: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYQA_PAGE_SIZE", "0")  # the bot's page size: `stats` never reads it
    assert CliRunner().invoke(cli, ["stats", "--db", "log.db"]).exit_code == 0
    result = CliRunner().invoke(cli, ["web", "--db", "log.db"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: bad setting: 1 validation error for Settings")
