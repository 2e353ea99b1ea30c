"""The public JSON API: ETag/304, CORS, public caching, JSON 404, no cookies,
and responses that match the OpenAPI file served at /api/v1/openapi.json."""

import json

import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from helpers import post_signature

SPEC_URI = "urn:petition-openapi"


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def check_against_spec(spec, path, status, body):
    """Validate `body` against the schema the spec gives for path/status."""
    answer = spec["paths"][path]["get"]["responses"][str(status)]
    if "$ref" in answer:
        answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = answer["content"]["application/json"]["schema"]
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    ref = schema["$ref"].replace("#", SPEC_URI + "#", 1)
    OAS31Validator({"$ref": ref}, registry=registry).validate(body)


def confirm_one(client, confirm_via_email, **fields):
    post_signature(client, **fields)
    confirm_via_email()


def test_openapi_file_is_a_valid_spec(spec):
    validate_spec(spec)
    assert set(spec["paths"]) >= {
        "/petitions",
        "/petitions/{slug}",
        "/petitions/{slug}/count",
        "/petitions/{slug}/events",
    }


def test_responses_match_the_openapi_schemas(client, petition, spec, confirm_via_email):
    confirm_one(client, confirm_via_email, category="association", postal_code="42700")
    count = client.get("/api/v1/petitions/saint-etienne/count")
    check_against_spec(spec, "/petitions/{slug}/count", 200, count.get_json())
    assert count.get_json()["signature_count"] == 1
    detail = client.get("/api/v1/petitions/saint-etienne").get_json()
    check_against_spec(spec, "/petitions/{slug}", 200, detail)
    assert detail["by_category"] == {"association": 1}
    assert detail["by_commune"] == [{"commune": "Firminy", "count": 1}]
    assert detail["communes"] == ["Firminy", "Saint-Étienne"]
    listing = client.get("/api/v1/petitions").get_json()
    check_against_spec(spec, "/petitions", 200, listing)
    assert [p["slug"] for p in listing["petitions"]] == ["saint-etienne"]
    missing = client.get("/api/v1/petitions/nope/count")
    check_against_spec(spec, "/petitions/{slug}/count", 404, missing.get_json())
    places = client.get("/api/v1/petitions/saint-etienne/places?postal_code=42700")
    check_against_spec(spec, "/petitions/{slug}/places", 200, places.get_json())
    assert places.get_json()["communes"] == [{"code": "42095", "name": "Firminy", "local": True}]
    bad = client.get("/api/v1/petitions/saint-etienne/places?postal_code=x")
    check_against_spec(spec, "/petitions/{slug}/places", 400, bad.get_json())


def test_schema_check_can_fail(spec):
    with pytest.raises(ValidationError):
        check_against_spec(
            spec,
            "/petitions/{slug}/count",
            200,
            {
                "slug": "x",
                "signature_count": 1,
                "goal": 5,
                "updated_at": "2026-01-01T00:00:00Z",
                "email": "a@b.fr",
            },
        )


def test_no_personal_data_in_the_api(client, petition, confirm_via_email):
    confirm_one(
        client,
        confirm_via_email,
        first_name="Zoé",
        last_name="Secrète",
        email="zoe.secrete@example.org",
        organisation="Zorg",
    )
    for path in (
        "/api/v1/petitions",
        "/api/v1/petitions/saint-etienne",
        "/api/v1/petitions/saint-etienne/count",
    ):
        text = client.get(path).get_data(as_text=True)
        for secret in ("Zoé", "Secrète", "zoe.secrete", "Zorg", "example.org"):
            assert secret not in text, (path, secret)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/petitions",
        "/api/v1/petitions/saint-etienne",
        "/api/v1/petitions/saint-etienne/count",
        "/api/v1/openapi.json",
    ],
)
def test_etag_and_304(client, petition, path):
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    weak = client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other = client.get(path, headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200


def test_etag_changes_when_the_count_moves(client, petition, confirm_via_email):
    before = client.get("/api/v1/petitions/saint-etienne/count").headers["ETag"]
    confirm_one(client, confirm_via_email)
    response = client.get(
        "/api/v1/petitions/saint-etienne/count", headers={"If-None-Match": before}
    )
    assert response.status_code == 200
    assert response.get_json()["signature_count"] == 1
    assert response.headers["ETag"] != before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/petitions",
        "/api/v1/petitions/saint-etienne",
        "/api/v1/petitions/saint-etienne/count",
        "/api/v1/petitions/nope",
    ],
)
def test_cors_open_and_public_cache_headers(client, petition, path):
    response = client.get(path, headers={"Origin": "https://ville.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if response.status_code == 200:
        cache = response.headers["Cache-Control"]
        for part in ("public", "max-age=", "stale-while-revalidate=", "stale-if-error="):
            assert part in cache


def test_cors_preflight_allows_if_none_match(client, petition):
    response = client.options(
        "/api/v1/petitions/saint-etienne/count",
        headers={
            "Origin": "https://ville.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/petitions/nope", "/api/v1/petitions/nope/count", "/api/v1/petitions/nope/events"],
)
def test_unknown_slug_is_a_json_404(client, petition, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] == 404
    english = client.get(path + "?lang=en").get_json()
    assert english["error"] == "Page not found"


def test_draft_petition_is_not_in_the_api(client, petition):
    from petition.extensions import db

    petition.state = "draft"
    db.session.commit()
    assert client.get("/api/v1/petitions/saint-etienne/count").status_code == 404
    assert client.get("/api/v1/petitions/saint-etienne").status_code == 404
    assert client.get("/api/v1/petitions").get_json() == {"petitions": []}


def test_api_sets_no_cookie(client, petition):
    for path in (
        "/api/v1/petitions/saint-etienne/count?lang=en",
        "/api/v1/petitions/saint-etienne?lang=en",
        "/api/v1/petitions?lang=en",
        "/api/v1/petitions/nope?lang=en",
    ):
        assert "Set-Cookie" not in client.get(path).headers, path


def test_event_stream_sends_current_then_new_count(app, client, petition, confirm_via_email):
    app.config.update(SSE_HEARTBEAT=0.2, SSE_MAX_AGE=30)
    with client.stream("/api/v1/petitions/saint-etienne/events") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/event-stream"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        chunks = (c.decode() for c in response.response)
        assert next(chunks).startswith("retry: ")
        first = next(chunks)
        assert first.startswith("event: count\n")
        assert json.loads(first.split("data: ", 1)[1])["signature_count"] == 0
        assert next(chunks) == ": ping\n\n", "a heartbeat when nothing happens"
        confirm_one(client, confirm_via_email)
        for chunk in chunks:
            if chunk.startswith("event: count"):
                assert json.loads(chunk.split("data: ", 1)[1])["signature_count"] == 1
                break
