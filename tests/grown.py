"""A corpus grown with copies: the bundled plans, then the city plans again under other places' names.

Local plans copy the provincial text item by item, so a corpus of many regions holds the same
tasks many times over. The copies are made from corpus/ text by renaming the place in the text,
the title and the region; each copy keeps its source plan's id in `SOURCE` for the tests.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
REGIONS = Path(__file__).parent / "data" / "growth_regions.txt"
# The city plans copied, in turn, and the place name each writes (region, title and text).
CITY_PLANS = {"shantou-2021": "汕头", "zhanjiang-2021": "湛江", "kaiping-2021": "开平", "honghaiwan-2021": "红海湾"}


def region_names() -> list[str]:
    """The places copies are given (tests/data/growth_regions.txt)."""
    lines = (line.split("#", 1)[0].strip() for line in REGIONS.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def grow(out: Path, plans: int) -> dict[str, str]:
    """Write plans - 5 copies of the city plans into out (with a catalog); returns copy id -> source id."""
    catalog = {e["id"]: e for e in tomllib.loads((CORPUS / "catalog.toml").read_text(encoding="utf-8"))["document"]}
    count = plans - len(catalog)
    names = region_names()
    if count > len(names):
        raise ValueError(f"{plans} plans need {count} place names; {REGIONS} has {len(names)}")
    out.mkdir(parents=True, exist_ok=True)
    sources: dict[str, str] = {}
    entries = []
    for n in range(count):
        source = list(CITY_PLANS)[n % len(CITY_PLANS)]
        old, new = CITY_PLANS[source], names[n]
        entry = catalog[source]
        copy_id = f"copy{n + 1:02d}-{source}"
        text = (CORPUS / entry["file"]).read_text(encoding="utf-8")
        (out / f"{copy_id}.txt").write_text(text.replace(old, new), encoding="utf-8")
        entries.append(
            f'[[document]]\nid = "{copy_id}"\nfile = "{copy_id}.txt"\ntitle = "{entry["title"].replace(old, new)}"\n'
            f'region = "{entry["region"].replace(old, new)}"\nyear = {entry["year"]}\n'
        )
        sources[copy_id] = source
    (out / "catalog.toml").write_text("\n".join(entries), encoding="utf-8")
    return sources
