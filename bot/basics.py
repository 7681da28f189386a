"""The four settings a one-shot command reads (index file, corpus folder, ranker, lock wait), fast.

`Settings` (bot/settings.py, pydantic-settings) defines every setting; importing it costs a cold
`policyqa ask` about as much as the rest of the answer (pydantic-settings pulls in asyncio and
pydantic's schema machinery). The commands that read only these four take them from here instead:
the same POLICYQA_ variables and the same .env file, in the same order (the environment over
.env over the defaults, names in any case). A value this reader is not sure to read exactly as
Settings does (anything but a plain name or number, or an empty one) is left to Settings itself,
which then reads it or reports it as the commands that use it always did. The long-running front
ends (bot, web, no command) build the whole Settings, so every other setting is checked there.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

PREFIX = "POLICYQA_"
ENV_FILE = ".env"
RANKERS = ("postings", "rank-bm25")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Basics:
    """What ingest, ask, items, eval, chat … read; the defaults are Settings' own (it takes them from here)."""

    db: Path = Path("policyqa.db")
    corpus: Path = Path("corpus")
    ranker: str = "postings"
    lock_wait: float = 60.0

    def model_copy(self, update: dict[str, Any]) -> Basics:
        """A copy with some values replaced (as Settings.model_copy)."""
        return replace(self, **update)


class Unsure(Exception):
    """A value Settings must read itself."""


def read_basics(environ: dict[str, str] | None = None, env_file: Path | None = Path(ENV_FILE)) -> Basics:
    """The four settings from the environment and .env; raises Unsure when Settings must read them."""
    given = _dotenv(env_file) if env_file is not None else {}
    given |= {k.lower(): v for k, v in (os.environ if environ is None else environ).items()}
    values: dict[str, Any] = {}
    for name in (f.name for f in fields(Basics)):
        raw = given.get(f"{PREFIX}{name}".lower())
        if raw is not None:
            values[name] = _parse(name, raw)
    return Basics(**values)


def _parse(name: str, raw: str) -> Any:
    """One value as Settings reads it, when that is sure; Unsure otherwise."""
    if name in ("db", "corpus") and raw.strip() == raw and raw not in ("", "."):
        return Path(raw)
    if name == "ranker" and raw in RANKERS:
        return raw
    if name == "lock_wait" and _NUMBER.fullmatch(raw) and float(raw) > 0:
        return float(raw)
    raise Unsure(name)


def _dotenv(path: Path) -> dict[str, str]:
    """The POLICYQA_ lines of a .env file, names lower-cased (python-dotenv reads it, as for Settings)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    found = {k.lower(): v for k, v in dotenv_values(path, encoding="utf-8").items() if k.upper().startswith(PREFIX)}
    if any(v is None for v in found.values()):
        raise Unsure(str(path))
    return found  # type: ignore[return-value]
