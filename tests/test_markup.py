"""Every page of the app, in every state of petition/dev/pages.py, parsed as
served, in French and in English: no attribute rendered "None" or "False",
no id reference or in-page link pointing at nothing, no duplicate id; numbers
grouped the page's way, and in English no French typography outside the
petition content, which is marked lang="fr".

Before the fix every field of the sign form carried aria-invalid="None" (read
as "invalid" by screen readers) and aria-describedby="None", and the optional
organisation and SIREN fields required="None" (announced as required).

The page list comes from the URL map: a GET route that is neither audited
(PAGES) nor excluded with a reason (EXCLUDED) fails
test_every_get_route_is_audited_or_excluded.
"""

import pytest

from petition import create_app
from petition.dev import pages

from helpers import csrf_from, language_problems, login, markup_problems, parse_markup


@pytest.fixture
def app_overrides(tmp_path):
    return {"DEV_MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def world(app, tmp_path):
    pages.add_audit_routes(app)
    return pages.build_world(app.config["DEV_MAIL_DIR"])


def test_every_get_route_is_audited_or_excluded(tmp_path):
    app = create_app({"TESTING": True, "DEV_MAIL_DIR": str(tmp_path)})
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    audited, excluded = pages.audited_endpoints(), set(pages.EXCLUDED)
    escaped = sorted(routes - audited - excluded)
    assert not escaped, (
        f"GET routes neither audited nor excluded: {escaped}. Add their states to "
        "PAGES in petition/dev/pages.py (or to EXCLUDED, with the reason)."
    )
    assert not audited & excluded, "a route is both audited and excluded"
    assert not (audited | excluded) - routes, "PAGES or EXCLUDED name a route that is gone"


def test_the_audit_covers_the_states_the_issue_names():
    names = {page.name for page in pages.PAGES}
    assert {
        "home",
        "petition",
        "petition-errors",
        "petition-closed",
        "check-inbox",
        "confirm-ready",
        "confirm-done",
        "confirm-expired",
        "confirm-invalid",
        "withdraw-ready",
        "privacy",
        "supporters",
        "poster",
        "embed",
        "embed-dark",
        "embed-compact",
        "organizer-login",
        "organizer-dashboard",
        "organizer-moderation",
        "organizer-export",
        "organizer-edit",
        "error-404",
        "error-429",
        "error-500",
        "accessibility",
    } <= names
    assert len(names) == len(pages.PAGES), "page names are unique"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_has_sound_markup(app, client, world, lang):
    organizer = app.test_client()
    assert login(organizer, pages.ADMIN, pages.PASSWORD).status_code == 302
    found = {}
    for page in pages.PAGES:
        response = pages.open_with_client(organizer if page.login else client, page, world, lang)
        html = response.get_data(as_text=True)
        assert response.status_code == page.status, f"{page.name}: {response.status_code}"
        assert f'<html lang="{lang}">' in html, f"{page.name} is not in {lang}"
        problems = markup_problems(html) + language_problems(html, lang)
        if problems:
            found[page.name] = problems
    assert not found, "\n".join(
        f"{name} ({lang}):\n  " + "\n  ".join(problems) for name, problems in found.items()
    )


def _attrs(html, element_id):
    """The attributes of the element with this id."""
    (attrs,) = [a for _tag, a, _line in parse_markup(html).elements if a.get("id") == element_id]
    return attrs


def test_the_sign_form_had_no_none_attribute(client, petition):
    """The defect of the issue, on the form as a first visit shows it."""
    html = client.get("/p/saint-etienne").get_data(as_text=True)
    assert '="None"' not in html
    for optional in ("organisation", "siren", "public", "commune"):
        attrs = _attrs(html, optional)
        assert "required" not in attrs and "aria-invalid" not in attrs, optional
    for required in ("first_name", "last_name", "email", "postal_code", "category", "consent"):
        assert "required" in _attrs(html, required), f"{required} is announced as required"
    assert _attrs(html, "email")["aria-describedby"] == "email-hint"
    assert "aria-describedby" not in _attrs(html, "first_name"), "no hint, no error: no reference"


def test_an_invalid_field_says_so_and_names_its_message(client, petition):
    token = csrf_from(client.get("/p/saint-etienne").get_data(as_text=True))
    response = client.post("/p/saint-etienne", data={"csrf_token": token, "email": "x@"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert markup_problems(html) == []
    email = _attrs(html, "email")
    assert email["aria-invalid"] == "true"
    assert email["aria-describedby"] == "email-hint email-error"
    assert "aria-invalid" not in _attrs(html, "organisation"), "a valid field is not marked"
