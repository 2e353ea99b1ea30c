"""XSS payloads in every text field (organizer-written petition text, signer
names, organisation, commune, event label) never execute in a real browser on
the petition page, the supporters list, the embed and the organizer dashboard:
no dialog, no flag set by a payload, no injected element, no CSP violation
(escaping works on its own; the CSP is a second line)."""

import pytest

from petition.extensions import db
from petition.models import Commune, Signature
from petition.services import abuse

from helpers import PASSWORD, make_organizer

PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '"><svg onload="window.__xss=3">',
    '\'><iframe src="javascript:window.__xss=4"></iframe>',
    '{{7*7}}<a href="javascript:window.__xss=5">x</a>',
]
EVIL = " ".join(PAYLOADS)


@pytest.fixture
def poisoned(petition):
    """The petition and its signers carry payloads in every text they have."""
    petition.title = "Tech " + PAYLOADS[0]
    petition.territory = PAYLOADS[2]
    petition.description = EVIL + "\n\n**ok**"
    petition.controller_name = PAYLOADS[1]
    db.session.add(Commune(petition_id=petition.id, name=PAYLOADS[3][:110], postal_code="42000"))
    for i, payload in enumerate(PAYLOADS):
        db.session.add(
            Signature(
                petition_id=petition.id,
                state="verified",
                first_name=payload[:100],
                last_name=PAYLOADS[(i + 1) % 5][:100],
                email=f"x{i}@example.org",
                canonical_email=f"x{i}@example.org",
                postal_code="42000",
                commune=PAYLOADS[3][:110],
                category="developer",
                organisation=EVIL[:200],
                public=True,
                email_domain="example.org",
                ip_hash=f"{i}" * 64,
                flagged=True,
                email_error=PAYLOADS[1],
                email_failed_at=petition.created_at,
                verified_at=petition.created_at,
            )
        )
    petition.signature_count = len(PAYLOADS)
    db.session.commit()
    abuse.open_window(petition, hours=2, label=PAYLOADS[0])
    return petition


def assert_inert(page, url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None, f"a payload ran on {url}"
    assert dialogs == [], url
    for selector in (
        "img[onerror]",
        "svg[onload]",
        "[onload]",
        "[onerror]",
        "iframe[src^='javascript']",
        "a[href^='javascript']",
    ):
        assert page.locator(selector).count() == 0, (url, selector)
    scripts = page.evaluate("[...document.scripts].filter(s => !s.src).map(s => s.textContent)")
    assert not any("__xss" in s for s in scripts), url
    csp = [e for e in page.console_errors if "Content Security Policy" in e]
    assert csp == [], f"an injection reached the CSP on {url}: {csp}"


def test_payloads_never_run_on_public_pages(page, live_server, poisoned):
    for path in (
        "/p/saint-etienne",
        "/p/saint-etienne/soutiens",
        "/embed/saint-etienne",
        "/p/saint-etienne/confidentialite",
        "/",
    ):
        assert_inert(page, live_server.url + path)
    page.goto(live_server.url + "/p/saint-etienne/soutiens")
    assert PAYLOADS[1] in page.inner_text("main"), "shown as text, not run"


def test_payloads_never_run_on_the_dashboard(page, live_server, poisoned):
    make_organizer("orga@ville.fr", [poisoned])
    page.goto(live_server.url + "/organizer/login")
    page.fill("input[name=email]", "orga@ville.fr")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state("load")
    assert_inert(page, live_server.url + "/organizer/petitions/saint-etienne/")
    assert "Signatures signalées" in page.inner_text("main")
    assert_inert(page, live_server.url + "/organizer/petitions/saint-etienne/protection")
