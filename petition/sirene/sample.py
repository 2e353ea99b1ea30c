"""Extracts of the Sirene stock in the official format, made up but plausible.

Deterministic for a seed: the same call writes the same bytes. SIREN and SIRET
carry valid Luhn check digits (python-stdnum); communes are real INSEE codes
(petition/geo); Lambert-93 points lie around the commune's centre when the
commune or its EPCI has an anchor below (town-hall positions of the demo
territories' main communes, written here once, never fetched), else are left
empty as in the real file for some establishments. Used by the demo (`flask
sirene demo`), the tests and the bench. The DEMO units come first, with fixed
numbers documented in docs/sirene.md.
"""

import csv
import random
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from stdnum import luhn

from ..geo import geography
from .columns import ESTABLISHMENT_HEADER, NOT_DIFFUSED, UNIT_HEADER
from .lambert import from_wgs84

#: (latitude, longitude) of town halls: the demo territories' main communes.
ANCHORS = {
    "42218": (45.4397, 4.3872),  # Saint-Étienne
    "42095": (45.3883, 4.2883),  # Firminy
    "42207": (45.4756, 4.5153),  # Saint-Chamond
    "42186": (45.5286, 4.6178),  # Rive-de-Gier
    "06088": (43.7031, 7.2661),  # Nice
    "06029": (43.5513, 7.0128),  # Cannes
    "06069": (43.6583, 6.9225),  # Grasse
    "06004": (43.5808, 7.1239),  # Antibes
    "06152": (43.6414, 7.0089),  # Valbonne (Sophia Antipolis)
    "69123": (45.7578, 4.8320),  # Lyon
    "69266": (45.7667, 4.8803),  # Villeurbanne
    "69259": (45.6975, 4.8867),  # Vénissieux
}


class DemoUnit(NamedTuple):
    siren: str
    siret: str
    name: str
    commune: str
    state: str  # A, or C (ceased: its establishment is F)
    diffusion: str  # O, or P (an individual entrepreneur: name never shown)
    naf: str


def _siren(body):
    return body + luhn.calc_check_digit(body)


def _siret(siren, nic):
    body = f"{siren}{nic:04d}"
    return body + luhn.calc_check_digit(body)


def _demo(body, name, commune, state="A", diffusion="O", naf="62.01Z"):
    siren = _siren(body)
    return DemoUnit(siren, _siret(siren, 1), name, commune, state, diffusion, naf)


#: The demo's numbers (README, docs/sirene.md, the demo petitions' text).
DEMO_UNITS = (
    _demo("90000001", "FOREZ NUMERIQUE DEMO", "42218"),
    _demo("90000002", "MANUFACTURE DES CYCLES DEMO", "42218", state="C", naf="30.92Z"),
    _demo("90000003", "Camille Martin", "42218", diffusion="P", naf="74.10Z"),
    _demo("90000004", "AZUR LOGICIELS DEMO", "06088", naf="62.02A"),
    _demo("90000005", "SOPHIA DONNEES DEMO", "06152", naf="63.11Z"),
    _demo("90000006", "RHONE INTELLIGENCE DEMO", "69123", naf="72.19Z"),
)

NAF_CODES = ("62.01Z", "62.02A", "63.11Z", "58.29C", "70.22Z", "71.12B", "72.19Z", "73.11Z")
NAF_CODES += ("85.59A", "94.99Z", "47.91B", "56.10A", "26.11Z", "46.51Z", "82.99Z", "69.20Z")
BANDS = ("NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51")
CATEGORIES = ("PME", "PME", "PME", "ETI", "GE", "")
WORDS = ("Atelier", "Studio", "Forge", "Labo", "Maison", "Agence", "Collectif", "Fabrique")
PLACES = ("Numérique", "Data", "Logiciel", "Robotique", "Design", "Réseaux", "Cloud", "Web")
FORMS = ("SAS", "SARL", "SA", "SCOP", "EURL", "ASSOCIATION")
#: Bodies of generated SIRENs start here (demo units use 90000001…).
FIRST_BODY = 10_000_000


def write_extract(directory, communes, establishments, seed=2026, stem="Stock"):
    """Write `<stem>UniteLegale_utf8.csv` and `<stem>Etablissement_utf8.csv`.

    `establishments` rows in `communes` (INSEE codes) after the DEMO units of
    those communes; every fifth unit has a second establishment. Returns the
    two paths (units, establishments).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    units_path = directory / f"{stem}UniteLegale_utf8.csv"
    places_path = directory / f"{stem}Etablissement_utf8.csv"
    rng = random.Random(seed)
    centres = _centres(sorted(communes))
    with (
        open(units_path, "w", newline="", encoding="utf-8") as u,
        open(places_path, "w", newline="", encoding="utf-8") as e,
    ):
        units, places = csv.writer(u, lineterminator="\n"), csv.writer(e, lineterminator="\n")
        units.writerow(UNIT_HEADER)
        places.writerow(ESTABLISHMENT_HEADER)
        for unit in (d for d in DEMO_UNITS if d.commune in centres):
            units.writerow(_unit_row(unit, rng))
            places.writerow(_place_row(unit, 1, unit.commune, centres, rng, head=True))
        _write_generated(units, places, establishments, centres, rng)
    return units_path, places_path


def _write_generated(units, places, count, centres, rng):
    codes = sorted(centres)
    body, written = FIRST_BODY, 0
    while written < count:
        body += 1
        state = "C" if rng.random() < 0.05 else "A"
        diffusion = "P" if rng.random() < 0.03 else "O"
        name = f"{rng.choice(WORDS)} {rng.choice(PLACES)} {body % 9973} {rng.choice(FORMS)}"
        unit = DemoUnit(_siren(str(body)), "", name, rng.choice(codes), state, diffusion, "")
        unit = unit._replace(naf=rng.choice(NAF_CODES))
        units.writerow(_unit_row(unit, rng))
        for nic in range(1, 3 if body % 5 == 0 else 2):
            if written < count:
                commune = unit.commune if nic == 1 else rng.choice(codes)
                places.writerow(_place_row(unit, nic, commune, centres, rng, head=nic == 1))
                written += 1


def _unit_row(unit, rng):
    row = dict.fromkeys(UNIT_HEADER, "")
    person = unit.diffusion == "P"
    row.update(
        siren=unit.siren,
        statutDiffusionUniteLegale=unit.diffusion,
        dateCreationUniteLegale=f"{rng.randint(1975, 2025)}-0{rng.randint(1, 9)}-15",
        categorieEntreprise="" if person else rng.choice(CATEGORIES),
        etatAdministratifUniteLegale=unit.state,
        denominationUniteLegale="" if person else unit.name,
        nomUniteLegale=NOT_DIFFUSED if person else "",
        prenom1UniteLegale=NOT_DIFFUSED if person else "",
        categorieJuridiqueUniteLegale="1000" if person else "5710",
        activitePrincipaleUniteLegale=unit.naf,
        nomenclatureActivitePrincipaleUniteLegale="NAFRev2",
        nicSiegeUniteLegale=_siret(unit.siren, 1)[9:],
        caractereEmployeurUniteLegale="N" if person else "O",
    )
    return [row[c] for c in UNIT_HEADER]


def _place_row(unit, nic, commune, centres, rng, head):
    row = dict.fromkeys(ESTABLISHMENT_HEADER, "")
    hidden = unit.diffusion == "P"
    siret = _siret(unit.siren, nic)
    x, y = _point(centres.get(commune), rng)
    row.update(
        siren=unit.siren,
        nic=siret[9:],
        siret=siret,
        statutDiffusionEtablissement=unit.diffusion,
        trancheEffectifsEtablissement="NN" if hidden else rng.choice(BANDS),
        etablissementSiege="true" if head else "false",
        libelleVoieEtablissement=NOT_DIFFUSED if hidden else "DE LA REPUBLIQUE",
        typeVoieEtablissement="" if hidden else "RUE",
        numeroVoieEtablissement=NOT_DIFFUSED if hidden else str(rng.randint(1, 120)),
        codePostalEtablissement=_postal(commune),
        libelleCommuneEtablissement=_commune_name(commune),
        codeCommuneEtablissement=commune,
        coordonneeLambertAbscisseEtablissement=NOT_DIFFUSED if hidden else x,
        coordonneeLambertOrdonneeEtablissement=NOT_DIFFUSED if hidden else y,
        etatAdministratifEtablissement="F" if unit.state == "C" else "A",
        activitePrincipaleEtablissement=unit.naf,
        nomenclatureActivitePrincipaleEtablissement="NAFRev2",
        caractereEmployeurEtablissement="O",
    )
    return [row[c] for c in ESTABLISHMENT_HEADER]


@lru_cache(maxsize=4096)
def _postal(code):
    codes = geography().commune(code).postal_codes
    return codes[0] if codes else ""


@lru_cache(maxsize=4096)
def _commune_name(code):
    return geography().commune(code).name.upper()


def _centres(codes):
    """Commune → its Lambert-93 centre, or None when nothing anchors it."""
    geo, centres = geography(), {}
    anchored = {geo.commune(c).epci: ANCHORS[c] for c in ANCHORS if geo.commune(c)}
    for code in codes:
        commune = geo.commune(code)
        if commune is None:
            raise ValueError(f"unknown commune {code}")
        if code in ANCHORS:
            centres[code] = from_wgs84(*ANCHORS[code])
        elif commune.epci in anchored:  # a commune of an anchored EPCI: near it
            spread = random.Random(code)
            lat, lon = anchored[commune.epci]
            lat, lon = lat + spread.uniform(-0.08, 0.08), lon + spread.uniform(-0.1, 0.1)
            centres[code] = from_wgs84(lat, lon)
        else:
            centres[code] = None
    return centres


def _point(centre, rng):
    if centre is None:
        return "", ""
    return f"{centre[0] + rng.gauss(0, 700):.1f}", f"{centre[1] + rng.gauss(0, 700):.1f}"
