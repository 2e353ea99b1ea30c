"""Official French geography: communes, EPCI (intercommunalities), départements.

The data come from Etalab's `@etalab/decoupage-administratif`, built into
`data/geography.json.gz` by `python -m petition.geo.build` (pinned version,
never fetched at run time; source and licence in `data/SOURCE.md`).

`geography()` loads the file on first use and keeps it for the life of the
process (read-only afterwards, so threads and greenlets share it): a signature
resolves its postal code with dictionary lookups, no SQL and no I/O. Importing
this module reads nothing.
"""

import gzip
import json
import sys
import threading
import unicodedata
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).resolve().parent / "data" / "geography.json.gz"

_lock = threading.Lock()
_loaded = None


class Commune(NamedTuple):  # a tuple: 10x quicker to build than a frozen dataclass
    code: str  # INSEE code (COG), e.g. 42218
    name: str
    departement: str
    region: str
    epci: str  # SIREN of its EPCI, "" if none (a few islands)
    population: int
    postal_codes: tuple
    parent: str = ""  # for a municipal arrondissement (Paris, Lyon, Marseille): its commune

    @property
    def is_arrondissement(self):
        return bool(self.parent)

    @property
    def commune_code(self):
        """The commune itself: an arrondissement's city, else its own code."""
        return self.parent or self.code


class Epci(NamedTuple):
    siren: str
    name: str
    kind: str  # CC, CA, CU, METRO, MET69
    members: tuple  # INSEE codes of its communes


def fold(text):
    """Lower case without accents, hyphens and apostrophes as spaces: how people search."""
    text = unicodedata.normalize("NFKD", (text or "").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    for sep in "-'’":
        text = text.replace(sep, " ")
    return " ".join(text.split())


class Geography:
    """Read-only indexes over the communes, EPCI, départements and regions."""

    def __init__(self, data):
        self.source = data["source"]
        intern = sys.intern  # département, region and EPCI codes repeat thousands of times
        self.communes = {
            intern(code): Commune(
                intern(code),
                name,
                intern(dep),
                intern(region),
                intern(epci),
                population,
                tuple(map(intern, postal)),
                intern(parent),
            )
            for code, name, dep, region, epci, population, postal, parent in data["communes"]
        }
        self.epcis = {
            intern(siren): Epci(intern(siren), name, kind, tuple(map(intern, members)))
            for siren, name, kind, members in data["epci"]
        }
        self.departements = {code: name for code, name, _region in data["departements"]}
        self.regions = {code: name for code, name in data["regions"]}
        self._postal = self._index_postal_codes()
        self._folded = None  # built by the first search

    def _index_postal_codes(self):
        """postal code -> communes. Where Paris, Lyon or Marseille's arrondissements
        cover a postal code, they stand in place of the city (69003 -> Lyon 3e)."""
        index = {}
        covered = set()
        for c in self.communes.values():
            if c.parent:
                covered.update((c.parent, p) for p in c.postal_codes)
        for c in self.communes.values():
            for postal in c.postal_codes:
                if (c.code, postal) not in covered:
                    index.setdefault(postal, []).append(c)
        return {postal: tuple(found) for postal, found in index.items()}

    # Lookups -------------------------------------------------------------

    def commune(self, code):
        return self.communes.get(code)

    def by_postal_code(self, postal_code):
        """The communes (or arrondissements) a postal code serves, by name."""
        found = self._postal.get(postal_code, ())
        if len(found) < 2:
            return found
        return tuple(sorted(found, key=lambda c: (fold(c.name), c.code)))

    def epci(self, siren):
        return self.epcis.get(siren)

    def departement_name(self, code):
        return self.departements.get(code, "")

    def of_departement(self, code):
        """Communes of a département (arrondissements left out: their city is there)."""
        return [c for c in self.communes.values() if c.departement == code and not c.parent]

    def search(self, text, limit=20):
        """Communes whose name starts with (then contains) the words typed."""
        wanted = fold(text)
        if not wanted:
            return []
        if self._folded is None:
            self._folded = {code: fold(c.name) for code, c in self.communes.items()}
        starts, contains = [], []
        for code, name in self._folded.items():
            if name.startswith(wanted):
                starts.append(code)
            elif wanted in name:
                contains.append(code)
        key = lambda code: (-self.communes[code].population, code)  # noqa: E731
        found = sorted(starts, key=key) + sorted(contains, key=key)
        return [self.communes[code] for code in found[:limit]]

    def search_epci(self, text, limit=20):
        wanted = fold(text)
        if not wanted:
            return []
        found = [e for e in self.epcis.values() if wanted in fold(e.name)]
        return sorted(found, key=lambda e: fold(e.name))[:limit]

    # Territories ---------------------------------------------------------

    def expand(self, communes=(), epcis=(), departements=()):
        """INSEE codes of a territory given by communes, EPCI SIRENs and départements.

        Raises KeyError naming the first unknown code."""
        codes = set()
        for code in communes:
            commune = self.communes.get(code)
            if commune is None:
                raise KeyError(code)
            codes.add(commune.commune_code)
        for siren in epcis:
            epci = self.epcis.get(siren)
            if epci is None:
                raise KeyError(siren)
            codes.update(epci.members)
        for dep in departements:
            if dep not in self.departements:
                raise KeyError(dep)
            codes.update(c.code for c in self.of_departement(dep))
        return codes

    @staticmethod
    def holds(territory_codes, commune):
        """Whether a commune (or an arrondissement of a city) lies in the territory."""
        return commune.commune_code in territory_codes


def geography():
    """The process's Geography, loaded on first call (about 0.2 s, see tests)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                # gzip.decompress + json.loads: 6x faster than json.load(gzip.open(…, "rt")).
                _loaded = Geography(json.loads(gzip.decompress(DATA.read_bytes())))
    return _loaded
