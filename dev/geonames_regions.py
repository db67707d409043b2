"""Build worker/entities/data/geonames-regions.tsv: the GeoNames id of each first-level ISO 3166-2 region.

GeoNames keys its first-level regions by its own codes (``DE.02``), not ISO 3166-2 (``DE-BY``), so the two are
joined by name within the country: a region is given the id of the one GeoNames region of its country that
shares one of its names, accents, case, punctuation and kind words (``Province``, ``-do``) aside, and only when
that GeoNames region shares a name with no other ISO region. Everything else is left without an id, never
guessed. Input: GeoNames' ``admin1CodesASCII.txt`` (CC BY 4.0), as committed in ``openeventdata/es-geonames``
at 341083fe90995e2fa80fc166d80828c34be88a9e (April 2023). Usage: ``python dev/geonames_regions.py path/to/it``.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from worker.entities.places import first_level_regions, regions

OUT = Path(__file__).resolve().parent.parent / "worker" / "entities" / "data" / "geonames-regions.tsv"
# Words that say what kind of region a name is, which one source writes and the other leaves out.
_KIND_WORDS = "autonomous capital city community county department district division do emirate governorate krai land"
_KIND_WORDS += " municipality oblast of okrug parish prefecture province region republic si state territory the"
_KIND_WORDS += " voivodeship"


def core(name: str) -> str:
    """``Gyeonggi-do`` → ``gyeonggi``, ``Baden-Württemberg`` → ``baden wurttemberg``."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    words = re.findall(r"\w+", letters.casefold().replace("'", "").replace("ʼ", ""))
    kinds = _KIND_WORDS.split()
    return " ".join([w for w in words if w not in kinds] or words)


def main(source: Path) -> None:
    geonames: dict[str, list[tuple[int, str, set[str]]]] = defaultdict(list)
    for line in source.read_text(encoding="utf-8").splitlines():
        code, name, ascii_name, geonames_id = line.split("\t")
        geonames[code.split(".")[0]].append((int(geonames_id), name, {core(name), core(ascii_name)}))
    names: dict[str, set[str]] = defaultdict(set)
    for key, found in regions("en").items():
        for region in found:
            names[region.code].add(core(key))
    by_country = defaultdict(list)
    for subdivision in first_level_regions():
        by_country[subdivision.country_code].append(subdivision.code)
    rows = []
    for country, codes in by_country.items():
        for code in codes:
            matches = [row for row in geonames[country] if row[2] & names[code]]
            if len(matches) != 1:
                continue
            geonames_id, name, keys = matches[0]
            if sum(1 for other in codes if keys & names[other]) == 1:
                rows.append(f"{code}\t{geonames_id}\t{name}")
    OUT.write_text("code\tgeonames_id\tgeonames_name\n" + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
    print(f"{len(rows)} of {len(first_level_regions())} regions written to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
