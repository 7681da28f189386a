"""Shared fixtures: one index over the real corpus, built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.answer import Answerer
from index.engine import Engine, build_index
from index.store import Store

CORPUS = Path(__file__).parent.parent / "corpus"


@pytest.fixture(scope="session")
def index_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the whole corpus, ingested once (read-only for tests)."""
    db = tmp_path_factory.mktemp("index") / "policyqa.db"
    build_index(Store(db), [CORPUS])
    return db


@pytest.fixture(scope="session")
def answerer(index_db: Path) -> Answerer:
    """The answerer every front end uses, over the session's index."""
    return Answerer(Engine.open(index_db))


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory and no POLICYQA_* variables, so no .env or setting leaks in."""
    for name in list(os.environ):
        if name.startswith("POLICYQA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def hermetic(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """clean_env, with the corpus setting pointing at the real corpus."""
    monkeypatch.setenv("POLICYQA_CORPUS", str(CORPUS))
    return clean_env
