"""Rebuild the index from the corpus into a new file and swap it in: the way out of a damaged index.

The new index is built beside the old one, which answers meanwhile. A sound old file then takes
the new index tables in one transaction (its question log stays, and readers that have it open
see the change at their next query); a damaged one is kept aside under another name and the new
file is renamed over it, with whatever of the question log could still be read.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from index.corpus import BuildResult
from index.corrections import Corrections
from index.engine import build_index
from index.errors import IndexCorrupt, IndexReadOnly
from index.store import Store

log = logging.getLogger(__name__)


def rebuild_index(
    path: Path, corpus: Path, progress: Callable[[str], None] | None = None, timeout: float = 5.0,
    corrections: Corrections | None = None,
) -> BuildResult:
    """Build the index of the corpus folder (staff corrections applied) into a new file, then swap it in at path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f"{path.name}.rebuild-", dir=path.parent)
    except OSError as exc:
        raise IndexReadOnly(f"cannot rebuild {path}: no new file can be made beside it ({exc.strerror})") from None
    os.close(handle)
    fresh_path = Path(name)
    try:
        fresh = Store(fresh_path, timeout)
        result = build_index(fresh, [corpus], everything=True, progress=progress, corrections=corrections)
        if result.summaries:
            if progress:
                progress(f"swapping the new index into {path}")
            _swap_in(fresh, path, timeout)
        else:
            fresh.close()
    finally:
        for leftover in (fresh_path, *_wal_files(fresh_path)):
            leftover.unlink(missing_ok=True)
    return result


def _swap_in(fresh: Store, path: Path, timeout: float) -> None:
    """Make the freshly built index the one at path."""
    try:
        old = Store(path, timeout)
        old.check()
    except IndexCorrupt as exc:
        log.warning("%s", exc)
        fresh.salvage_log(path)
        fresh.seal()
        _replace_damaged(fresh.path, path)
        return
    old.adopt(fresh.path)
    old.close()
    fresh.close()


def _replace_damaged(fresh: Path, path: Path) -> None:
    """Keep the damaged file (and its WAL) aside, then rename the fresh file over it."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for old, kept in ((path, aside), (_wal_files(path)[0], _wal_files(aside)[0])):
        if old.exists() and old.stat().st_size:
            shutil.copy2(old, kept)
    # A WAL left beside the new file would be replayed into it.
    for wal in _wal_files(path):
        wal.unlink(missing_ok=True)
    os.replace(fresh, path)
    log.warning("the damaged index was kept as %s", aside)


def _wal_files(path: Path) -> tuple[Path, Path]:
    """The -wal and -shm files SQLite keeps beside a database in WAL mode."""
    return path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")
