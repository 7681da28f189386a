"""Load the editable word lists under index/data/ (cached: they are read once per process)."""

from __future__ import annotations

import hashlib
import tomllib
from functools import cache
from importlib import resources

from index.errors import DataError


def _data_text(name: str) -> str:
    """Read one file from index/data/."""
    return resources.files("index").joinpath("data", name).read_text(encoding="utf-8")


@cache
def fingerprint() -> str:
    """A hash of every file under index/data/: any edit there (a header word, a unit ending) changes it."""
    digest = hashlib.sha1()
    for entry in sorted(resources.files("index").joinpath("data").iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def words(name: str) -> tuple[str, ...]:
    """Entries of a one-per-line list, comments (#) and blank lines dropped."""
    entries = (line.split("#", 1)[0].strip() for line in _data_text(name).splitlines())
    return tuple(e for e in entries if e)


@cache
def pairs(name: str, separator: str = "\t") -> tuple[tuple[str, str], ...]:
    """Entries of a list of "key<separator>value" lines; a malformed line is a DataError naming it."""
    found = []
    for number, line in enumerate(_data_text(name).splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        key, sep, value = entry.partition(separator)
        if not sep or not key.strip() or not value.strip():
            raise DataError(f"index/data/{name}:{number}: expected key{separator!r}value, got {entry!r}")
        found.append((key.strip(), value.strip()))
    return tuple(found)


@cache
def table(name: str) -> dict:
    """A TOML data file as a dict; a syntax error is a DataError naming the file and line."""
    try:
        return tomllib.loads(_data_text(name))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"index/data/{name}: {exc}") from None
