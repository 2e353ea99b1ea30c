"""The in-process count micro-cache is bounded: any slug can be asked, so
nothing kept may grow with what is asked (services/local_counts.py)."""

import secrets
import time
import tracemalloc

from petition.services import counters, local_counts

#: Traced memory 90,000 more slugs may add once the caches are full. An entry
#: per slug (the old unbounded dict) costs ~150 bytes: 90,000 slugs ~13 MiB.
FLAT_BOUND = 256 * 1024


def random_slug():
    return "x-" + secrets.token_hex(8)


def test_100000_random_slugs_leave_memory_flat(app, petition, monkeypatch):
    """What `read` does with each slug that names no petition, 100,000 times
    (the whole path through Redis and the database costs ~4 ms a slug on
    these shared cores: `make bench` runs it over HTTP, below it runs 1,000)."""
    monkeypatch.setitem(app.config, "COUNT_LOCAL_TTL", 600)  # nothing expires meanwhile
    local = local_counts.of(app)
    doc = counters.read(petition.slug)
    tracemalloc.start()
    try:
        for i in range(100_000):
            if i == 10_000:  # the caches are full by now
                before = tracemalloc.get_traced_memory()[0]
            slug = random_slug()
            local.store(slug, local.begin(slug), None, 600)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < FLAT_BOUND, f"{grown / 1024:.0f} KiB kept after 90,000 more slugs"
    assert len(local) <= app.config["COUNT_LOCAL_SIZE"] + app.config["COUNT_LOCAL_MISSING_SIZE"]
    assert local.get(petition.slug) == (True, doc), "made-up slugs never push a petition out"


def test_random_slugs_on_the_count_url_are_answered_404_and_bounded(
    app, client, petition, monkeypatch
):
    monkeypatch.setitem(app.config, "COUNT_LOCAL_TTL", 600)  # nothing expires meanwhile
    monkeypatch.setitem(app.config, "COUNT_LOCAL_MISSING_SIZE", 50)
    app.extensions.pop(local_counts.EXTENSION, None)  # rebuilt with these settings
    assert client.get(f"/api/v1/petitions/{petition.slug}/count").status_code == 200
    for _ in range(1_000):
        assert client.get(f"/api/v1/petitions/{random_slug()}/count").status_code == 404
    local = local_counts.of(app)
    assert len(local) == 1 + 50, "one petition and the 50 most recent unknown slugs"
    assert local.get(petition.slug)[0], "the petition is still served from memory"


def test_the_least_recent_unknown_slug_goes_first(app, petition, monkeypatch):
    monkeypatch.setitem(app.config, "COUNT_LOCAL_TTL", 600)
    monkeypatch.setitem(app.config, "COUNT_LOCAL_MISSING_SIZE", 3)
    app.extensions.pop(local_counts.EXTENSION, None)
    slugs = [random_slug() for _ in range(5)]
    for slug in slugs:
        counters.read(slug)
    counters.read(petition.slug)
    local = local_counts.of(app)
    assert [local.get(slug)[0] for slug in slugs] == [False, False, True, True, True]
    assert local.get(petition.slug)[0], "a petition lives beside the unknown slugs"


def test_entries_expire_after_count_local_ttl(app, petition, monkeypatch):
    monkeypatch.setitem(app.config, "COUNT_LOCAL_TTL", 0.2)
    counters.read(petition.slug)
    local = local_counts.of(app)
    assert local.get(petition.slug)[0]
    time.sleep(0.3)
    assert local.get(petition.slug) == (False, None)
