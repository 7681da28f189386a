"""Load the editable word lists under index/data/ (cached: they are read once per process)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


def _data_text(name: str) -> str:
    """Read one file from index/data/."""
    return resources.files("index").joinpath("data", name).read_text(encoding="utf-8")


@cache
def words(name: str) -> tuple[str, ...]:
    """Entries of a one-per-line list, comments (#) and blank lines dropped."""
    entries = (line.split("#", 1)[0].strip() for line in _data_text(name).splitlines())
    return tuple(e for e in entries if e)


@cache
def table(name: str) -> dict:
    """A TOML data file as a dict."""
    return tomllib.loads(_data_text(name))
