"""Where a postal code is, roughly: a customer who gave no position is located by it.

The figures are approximate centroids of Dutch four-digit postcode (PC4) areas, read off public
maps by hand and shipped in chalicelib/data/postcodes_nl.json; no public dataset is fetched at
run time. Unknown areas and other countries are None: the caller asks for a position instead.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from chalicelib.domain.network import Geo

_FILE = Path(__file__).resolve().parent.parent / "data" / "postcodes_nl.json"
_NL = re.compile(r"(\d{4})\s*(?:[A-Z]{2})?")


@functools.cache
def _areas() -> dict[str, Geo]:
    loaded = json.loads(_FILE.read_text(encoding="utf-8"))
    return {area: Geo(lat, lon) for area, (lat, lon) in loaded["areas"].items()}


def locate(postal_code: str, country: str) -> Geo | None:
    """The centroid of the code's PC4 area ("1012 LG" -> 1012), for NL codes the table knows."""
    if country.upper() != "NL":
        return None
    found = _NL.fullmatch(postal_code.strip().upper())
    return _areas().get(found.group(1)) if found else None
