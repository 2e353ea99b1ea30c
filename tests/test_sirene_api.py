"""The online register (recherche-entreprises) behind `register.lookup()`, against
a local fake that answers like the API: found, closed, unknown, 429, 500, timeout."""

import pytest
from sqlalchemy import select

from petition.extensions import db
from petition.models import RegisterStatus, SireneEstablishment, SireneUnit
from petition.sirene import register, sample

from servers import FakeSireneApi, sirene_result

SIREN = sample._siren("91000001")
SIRET = sample._siret(SIREN, 1)


@pytest.fixture(scope="module")
def fake_api():
    server = FakeSireneApi(slow=1.0)
    yield server
    server.stop()


@pytest.fixture
def app_overrides(fake_api):
    fake_api.answers.clear()
    fake_api.asked.clear()
    return {
        "SIRENE_API_URL": fake_api.url,
        "SIRENE_API_TIMEOUT": 0.3,
        "SIRENE_API_RETRIES": 2,
        "SIRENE_API_BACKOFF": 0.01,
    }


def test_unknown_to_the_extract_found_through_the_api_then_cached(app, fake_api):
    fake_api.answers[SIRET] = sirene_result(SIREN, SIRET, "42218")
    entry = register.lookup(SIRET)
    assert entry.status == RegisterStatus.ACTIVE
    assert (entry.name, entry.commune, entry.naf, entry.headcount) == (
        "DEMO API SAS",
        "42218",
        "62.01Z",
        "11",
    )
    assert entry.source == "api" and 800_000 < entry.x < 820_000, "Lambert-93 from lat/lon"
    db.session.commit()  # the caller's transaction carries the cache
    stored = db.session.get(SireneEstablishment, SIRET)
    assert stored.source == "api" and stored.commune == "42218"
    assert db.session.get(SireneUnit, SIREN).source == "api"
    assert register.lookup(SIRET).status == RegisterStatus.ACTIVE
    assert fake_api.asked == [SIRET], "the second lookup is answered from the cache"


def test_closed_through_the_api(app, fake_api):
    fake_api.answers[SIRET] = sirene_result(SIREN, SIRET, "42218", closed=True)
    assert register.lookup(SIRET).status == RegisterStatus.CLOSED


def test_partial_unit_through_the_api_keeps_no_name(app, fake_api):
    fake_api.answers[SIRET] = sirene_result(SIREN, SIRET, "42218", partial=True, name="X Y")
    entry = register.lookup(SIRET)
    assert entry.partial_diffusion and entry.name is None and entry.x is None


def test_unknown_to_the_api_is_not_found_and_remembered(app, fake_api):
    assert register.lookup(SIRET).status == RegisterStatus.NOT_FOUND
    assert register.lookup(SIRET).status == RegisterStatus.NOT_FOUND
    assert fake_api.asked == [SIRET], "a not-found answer is cached for a while"


@pytest.mark.parametrize("failure", [429, 500, "timeout"])
def test_api_failures_are_not_checked_after_retries(app, fake_api, failure):
    fake_api.answers[SIRET] = failure
    entry = register.lookup(SIRET)
    assert entry.status == RegisterStatus.NOT_CHECKED
    assert fake_api.asked == [SIRET] * 3, "one try and two retries"
    db.session.execute(select(SireneUnit)).all()  # the caller's session still works
    fake_api.answers[SIRET] = sirene_result(SIREN, SIRET, "42218")
    assert register.lookup(SIRET).status == RegisterStatus.ACTIVE, "a later retry succeeds"


def test_api_down_is_not_checked(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIRENE_API_URL", "http://127.0.0.1:9")  # refused
    assert register.lookup(SIRET).status == RegisterStatus.NOT_CHECKED


def test_without_the_api_unknown_is_not_found(app, fake_api, monkeypatch):
    monkeypatch.setitem(app.config, "SIRENE_API_URL", None)
    fake_api.answers[SIRET] = sirene_result(SIREN, SIRET, "42218")
    assert register.lookup(SIRET).status == RegisterStatus.NOT_FOUND
    assert fake_api.asked == []


def test_the_rate_limit_is_shared_through_redis(app, fake_api, monkeypatch, redis_client):
    monkeypatch.setitem(app.config, "SIRENE_API_RATE", 2)
    numbers = [sample._siret(sample._siren(f"9200000{i}"), 1) for i in range(5)]
    used = {}  # per-second counter -> its value, read after each lookup (they expire)
    for number in numbers:
        register.lookup(number)
        for key in redis_client.keys("sirene:api:rate:*"):
            used[key] = max(used.get(key, 0), int(redis_client.get(key) or 0))
    assert fake_api.asked == numbers
    seconds = list(used.values())
    admitted = [min(count, 2) for count in seconds]
    assert sum(admitted) == 5 and len(seconds) >= 3, "five requests, two a second at most"


def test_the_extract_answers_first_and_the_api_fills_its_gaps(
    app, runner, fake_api, monkeypatch, tmp_path
):
    units, places = sample.write_extract(tmp_path, {"42218"}, 20)
    assert runner.invoke(args=["sirene", "import", str(places), str(units)]).exit_code == 0
    monkeypatch.setitem(app.config, "SIRENE_API_URL", None)
    assert register.lookup(SIRET).status == RegisterStatus.NOT_FOUND
    monkeypatch.setitem(app.config, "SIRENE_API_URL", fake_api.url)
    fake_api.answers[SIRET] = sirene_result(SIREN, SIRET, "42218")
    assert register.lookup(SIRET).status == RegisterStatus.ACTIVE
    held = register.lookup(sample.DEMO_UNITS[0].siret)
    assert (held.status, held.source) == (RegisterStatus.ACTIVE, "stock")
    assert fake_api.asked == [SIRET], "numbers the extract holds never reach the API"
