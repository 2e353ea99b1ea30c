"""The panorama (issue 18) at 10,000 organisations against 10: the directory
page and the map, both answered from what was rendered once per generation,
fetched as a browser does (accepting gzip: the map's body grows with its points)."""

import http.client
import random
import time
from datetime import UTC, datetime

from petition.extensions import db
from petition.models import OrganisationProfile
from petition.services import panorama

from . import data, load
from .report import median, ratio_row
from .web import LATENCY_CONNECTIONS, interleave

BIG, SMALL = 10_000, 10
COMMUNES = ("42218", "42095", "42207", "42184", "42147", "42279", "42044", "42005")
CATEGORIES = ("company", "entrepreneur", "association", "incubator", "researcher")


def _seed(slug, n):
    """A petition with `n` published profiles spread over Saint-Étienne Métropole."""
    petition = data.create_petition(slug)
    rng = random.Random(n)
    rows = [
        {
            "petition_id": petition.id,
            "siren": f"{i:09d}",
            "description": f"Activité numéro {i} : logiciels, conseil et formation.",
            "website": f"https://org{i}.example.org" if i % 3 else None,
            "category": CATEGORIES[i % len(CATEGORIES)],
            "hidden": False,
            "siret": f"{i:09d}00013",
            "registered_name": f"ORGANISATION {i:05d}",
            "naf": ("62.01Z", "70.22Z", "10.71C", "85.59A")[i % 4],
            "headcount": ("00", "01", "11", "21", "32")[i % 5],
            "commune": COMMUNES[i % len(COMMUNES)],
            "x": None if i % 50 == 0 else 790_000 + rng.random() * 40_000,
            "y": None if i % 50 == 0 else 6_460_000 + rng.random() * 40_000,
        }
        for i in range(1, n + 1)
    ]
    now = datetime.now(UTC)
    db.session.execute(
        OrganisationProfile.__table__.insert(),
        [{**row, "created_at": now, "updated_at": now} for row in rows],
    )
    panorama.bump(petition.id)
    db.session.commit()
    return slug


def prepare(b):
    """Both petitions, once per bench run (the page and map rows share them)."""
    if getattr(b, "panorama_slugs", None) is None:
        with b.app.app_context():
            b.panorama_slugs = (_seed("bench-pano-big", BIG), _seed("bench-pano-small", SMALL))
    return b.panorama_slugs


def _row(b, path, what):
    big, small = prepare(b)
    cold = {}
    for slug in (big, small):  # the first view renders; then it is served as rendered
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", b.app_port, timeout=600)
        conn.request("GET", path.format(slug), headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        size = len(response.read())
        assert response.status == 200, response.status
        conn.close()
        cold[slug] = (time.monotonic() - started, size)
    url = f"http://127.0.0.1:{b.app_port}{path}"
    got, base = interleave(
        b.rounds,
        lambda r: load.run(url.format(big), "get_gzip", b.duration, LATENCY_CONNECTIONS),
        lambda r: load.run(url.format(small), "get_gzip", b.duration, LATENCY_CONNECTIONS),
    )
    p50, p50_small = median([g["p50_ms"] for g in got]), median([g["p50_ms"] for g in base])
    row = ratio_row(
        f"panorama {what} p50 at {BIG:,} organisations ({LATENCY_CONNECTIONS} clients)",
        f"p50 {p50:.1f} ms ({median([g['rate'] for g in got]):,.0f}/s)",
        f"p50 {p50_small:.1f} ms, same {what} at {SMALL} organisations",
        p50 / p50_small if p50_small else 0.0,
        at_most=1.5,
    )
    errors = sum(g["errors"] + g["status_errors"] for g in got + base)
    row.checks.append((f"{sum(g['requests'] for g in got)} {what}s, {errors} errors", not errors))
    row.note = (
        f"first view after a change (renders): {cold[big][0]:.2f} s, {cold[big][1]:,} bytes "
        f"at {BIG:,}; {cold[small][0]:.3f} s, {cold[small][1]:,} bytes at {SMALL}"
    )
    return row


def page(b):
    return _row(b, "/p/{}/panorama", "page")


def svg_map(b):
    return _row(b, "/p/{}/carte.svg", "map")
