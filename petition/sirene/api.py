"""The online register: the public API `recherche-entreprises` (api.gouv.fr).

Asked by `register.lookup()` only when `SIRENE_API_URL` is set, for numbers the
imported extract does not hold. `GET {SIRENE_API_URL}/search?q=<number>`
answers `{"results": [...], "total_results": …}`; each result carries `siren`,
`nom_complet`, `nom_raison_sociale`, `etat_administratif` (A, C),
`statut_diffusion` (O, P), `categorie_entreprise`, `siege` and
`matching_etablissements` (establishments with `siret`, `commune`,
`activite_principale`, `tranche_effectif_salarie`, `etat_administratif` (A, F),
`latitude`, `longitude`, `est_siege`).

- Timeouts on every request; 429, 5xx, timeouts and refused connections are
  retried with exponential backoff (a `Retry-After` is followed, capped), then
  `Unavailable` is raised: the caller records `not_checked` and retries later.
- The published rate limit (7 requests a second) holds across every process:
  a counter per second in Redis (`SIRENE_API_RATE`).
- The answers are cached: a found number as rows with `source = "api"` (see
  register.py), a number the API does not know in Redis for
  `SIRENE_API_MISSING_TTL` seconds.
"""

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from flask import current_app
from redis.exceptions import RedisError

from ..jobs import redis
from .lambert import from_wgs84

log = logging.getLogger(__name__)

_MISSING = "sirene:api:missing:"
_RATE = "sirene:api:rate:"
_RETRY_AFTER_CAP = 10.0


class Unavailable(Exception):
    """The API did not answer usefully (timeout, 5xx, 429 after the retries)."""


def configured() -> bool:
    return bool(current_app.config.get("SIRENE_API_URL"))


def known_missing(number: str) -> bool:
    """True when the API said lately that it does not know this number."""
    try:
        return bool(redis().exists(_MISSING + number))
    except RedisError:
        return False


def search(number: str) -> dict | None:
    """The API's result whose SIREN is the number's, or None if it knows none.

    Raises `Unavailable` when it cannot tell.
    """
    payload = _get("/search", {"q": number, "page": 1, "per_page": 5})
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise Unavailable("an answer without results")
    found = next((r for r in results if isinstance(r, dict) and r.get("siren") == number[:9]), None)
    if found is None:
        _remember_missing(number)
    return found


def _remember_missing(number):
    try:
        redis().set(_MISSING + number, 1, ex=current_app.config["SIRENE_API_MISSING_TTL"])
    except RedisError:
        log.warning("sirene api: could not cache a not-found answer (Redis)")


def _get(path, params):
    config = current_app.config
    url = f"{config['SIRENE_API_URL']}{path}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    retries, delay = config["SIRENE_API_RETRIES"], config["SIRENE_API_BACKOFF"]
    for attempt in range(retries + 1):
        _take_turn(config["SIRENE_API_RATE"], config["SIRENE_API_TIMEOUT"])
        try:
            with urllib.request.urlopen(request, timeout=config["SIRENE_API_TIMEOUT"]) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return {"results": []}
            if error.code != 429 and error.code < 500:
                raise Unavailable(f"HTTP {error.code}") from None
            wait = _retry_after(error.headers.get("Retry-After"), delay * 2**attempt)
            reason = f"HTTP {error.code}"
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            wait, reason = delay * 2**attempt, f"{type(error).__name__}: {error}"
        except ValueError as error:  # not JSON
            raise Unavailable(f"not JSON: {error}") from None
        log.info("sirene api: %s (attempt %s of %s)", reason, attempt + 1, retries + 1)
        if attempt < retries:
            time.sleep(wait)
    raise Unavailable(reason)


def _retry_after(header, default):
    try:
        return min(max(float(header), 0.0), _RETRY_AFTER_CAP)
    except (TypeError, ValueError):
        return default


def _take_turn(rate, patience):
    """Wait for a slot in this second's budget, shared by all processes through
    Redis; without Redis, go on (a 429 is then retried like any other)."""
    deadline = time.monotonic() + patience
    while True:
        now = time.time()
        key = f"{_RATE}{int(now)}"
        try:
            pipe = redis().pipeline()
            pipe.incr(key)
            pipe.expire(key, 10)
            used = pipe.execute()[0]
        except RedisError:
            return
        if used <= max(int(rate), 1):
            return
        if time.monotonic() > deadline:
            raise Unavailable("our own rate limit stayed full")
        time.sleep(1 - (now % 1) + 0.001)


def unit_row(result: dict) -> dict:
    """The `sirene_units` columns of an API result."""
    partial = result.get("statut_diffusion") == "P"
    name = result.get("nom_raison_sociale") or result.get("nom_complet")
    return {
        "siren": result["siren"],
        "name": None if partial else _text(name, 250),
        "state": _text(result.get("etat_administratif"), 1),
        "category": _text(result.get("categorie_entreprise"), 3),
        "diffusion": "P" if partial else "O",
    }


def establishment_row(result: dict, number: str) -> dict | None:
    """The `sirene_establishments` columns of the establishment the number
    names (the head office for a SIREN), or None if the result holds none."""
    siege = result.get("siege") if isinstance(result.get("siege"), dict) else None
    places = [siege] + list(result.get("matching_etablissements") or [])
    wanted = number if len(number) == 14 else (siege or {}).get("siret")
    place = next((p for p in places if isinstance(p, dict) and p.get("siret") == wanted), None)
    if place is None or not wanted:
        return None
    x = y = None
    try:
        x, y = from_wgs84(float(place["latitude"]), float(place["longitude"]))
    except (KeyError, TypeError, ValueError):
        pass
    partial = "P" in (result.get("statut_diffusion"), place.get("statut_diffusion_etablissement"))
    signs = place.get("liste_enseignes") or [None]
    return {
        "siret": wanted,
        "siren": result["siren"],
        "nic": wanted[9:],
        "state": _text(place.get("etat_administratif"), 1),
        "commune": _text(place.get("commune"), 5),
        "naf": _text(place.get("activite_principale"), 6),
        "headcount": _text(place.get("tranche_effectif_salarie"), 2),
        "usual_name": None if partial else _text(place.get("nom_commercial"), 250),
        "sign": None if partial else _text(signs[0], 250),
        "diffusion": "P" if partial else "O",
        "head_office": bool(place.get("est_siege", place is siege)),
        "x": None if partial else x,
        "y": None if partial else y,
    }


def _text(value, length):
    return str(value)[:length] if value not in (None, "", "[ND]") else None
