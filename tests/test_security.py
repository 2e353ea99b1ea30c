"""Security properties over every page: a CSP without unsafe-inline scripts
(inline scripts carry the request's nonce; no inline styles), framing only
on the embed, hardening headers, HSTS and Secure cookies in production, a
CSRF token in every POST form and refusal without it, one purpose per token,
user text escaped in pages and emails, Markdown sanitised."""

import re

import pytest
from sqlalchemy import select

from petition import create_app, tokens
from petition.extensions import db
from petition.links import confirm_token, organizer_token, withdraw_token
from petition.models import Signature, SignatureState

from helpers import (
    app_settings,
    csrf_from,
    link_in,
    login,
    mail_html,
    mail_text,
    make_organizer,
    post_signature,
    reread,
)

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
FORM_TAG = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
VALUES = {"slug": "saint-etienne", "token": "not-a-token", "window_id": 1, "export_id": 1}


def page_urls(app):
    """Every GET page of the app, filled with the test petition's values."""
    urls = set()
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static", "devmail.show"):
                continue
            if not set(rule.arguments) <= set(VALUES):
                continue
            urls.add(url_for(rule.endpoint, **{k: VALUES[k] for k in rule.arguments}))
    return sorted(urls)


@pytest.fixture
def organizer_client(app, petition):
    make_organizer("admin@ville.fr", [petition], admin=True)
    client = app.test_client()
    login(client, "admin@ville.fr")
    return client


def crawl(app, client):
    pages = {}
    for url in page_urls(app):
        if url.endswith("/events"):  # a live stream never ends: its headers are enough
            with client.stream(url) as response:
                pass
        else:
            response = client.get(url)
        assert response.status_code < 500, url
        pages[url] = response
    return pages


def test_every_page_has_a_strict_csp_and_no_inline_code(
    app, organizer_client, petition, confirm_via_email, client
):
    post_signature(client)
    confirm_via_email()
    pages = crawl(app, organizer_client)
    assert len(pages) > 15
    for url, response in pages.items():
        policy = response.headers["Content-Security-Policy"]
        if response.mimetype == "application/json":  # data: loads nothing, framed nowhere
            assert policy == "default-src 'none'; frame-ancestors 'none'", url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            continue
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src, url
        assert "style-src 'self'" in policy and "object-src 'none'" in policy, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"], url
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        for attrs in SCRIPT_TAG.findall(html):
            assert "src=" in attrs or f'nonce="{nonce}"' in attrs, (url, attrs)
        assert not re.search(r"<[a-z][^>]*\sstyle=", html, re.I), f"inline style in {url}"
        assert "<style" not in html.lower(), url
        assert not re.search(r"\son[a-z]+=", html, re.I), f"inline handler in {url}"


def test_framing_only_on_the_embed(client, petition):
    page = client.get("/p/saint-etienne")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    embed = client.get("/embed/saint-etienne")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers


def test_production_sends_hsts_and_secure_cookies(database_url, redis_server, smtp_sink):
    settings = app_settings(database_url, redis_server, smtp_sink)
    from petition.config import load_settings

    prod = load_settings({"APP_ENV": "production", "SECRET_KEY": "x" * 40})
    settings.update(
        APP_ENV="production",
        ATTESTATIONS_ENABLED=False,
        SESSION_COOKIE_SECURE=prod["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_SECURE=prod["REMEMBER_COOKIE_SECURE"],
    )
    app = create_app(settings)
    with app.app_context():
        response = app.test_client().get("/organizer/login")
        assert "max-age=" in response.headers["Strict-Transport-Security"]
        cookie = response.headers.get("Set-Cookie", "")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        db.engine.dispose()


def test_every_post_form_carries_a_csrf_token(
    app, organizer_client, petition, client, confirm_via_email, smtp_sink
):
    post_signature(client)
    confirm_via_email()
    pages = crawl(app, organizer_client)
    message = smtp_sink.messages[-1]
    pages["withdraw"] = client.get(link_in(message, "/withdraw/"))
    forms = 0
    for url, response in pages.items():
        if response.mimetype != "text/html":
            continue
        for attrs, body in FORM_TAG.findall(response.get_data(as_text=True)):
            if 'method="post"' not in attrs.lower():
                continue
            forms += 1
            # a prefixed form (two forms on one page) names it `<prefix>-csrf_token`
            assert re.search(r'name="([\w]+-)?csrf_token"', body), (url, attrs)
    assert forms >= 8


def test_confirm_and_withdraw_buttons_refuse_a_post_without_csrf(
    client, petition, smtp_sink, run_jobs
):
    post_signature(client)
    run_jobs()
    message = smtp_sink.messages[0]
    for path in (link_in(message, "/confirm/"), link_in(message, "/withdraw/")):
        response = client.post(path, data={})
        assert response.status_code == 400
        assert "formulaire a expiré" in response.get_data(as_text=True)
    assert db.session.scalars(select(Signature)).one().state == SignatureState.PENDING


def test_confirm_token_is_refused_as_withdraw_token_and_back(client, petition, smtp_sink, run_jobs):
    post_signature(client)
    signature = db.session.scalars(select(Signature)).one()
    confirm, withdraw = confirm_token(signature), withdraw_token(signature)
    page = client.get(f"/withdraw/{confirm}")
    assert page.status_code == 400
    csrf = csrf_from(client.get(f"/confirm/{confirm}").get_data(as_text=True))
    assert client.post(f"/withdraw/{confirm}", data={"csrf_token": csrf}).status_code == 400
    assert client.post(f"/confirm/{withdraw}", data={"csrf_token": csrf}).status_code == 400
    assert reread(Signature, signature.id).state == SignatureState.PENDING


def test_invite_token_is_refused_as_reset_token(client, app, petition):
    organizer = make_organizer("new@ville.fr", [petition])
    invite = organizer_token("invite", organizer)
    assert client.get(f"/organizer/invitation/{invite}").status_code == 200
    assert client.get(f"/organizer/password/reset/{invite}").status_code == 400
    reset = organizer_token("reset", organizer)
    assert client.get(f"/organizer/invitation/{reset}").status_code == 400


def test_no_token_purpose_accepts_another(app, petition):
    with app.test_request_context():
        for made in tokens.SALTS:
            token = tokens.make(made, {"s": 1, "o": 1, "w": 1})
            for read in tokens.SALTS:
                if read == made:
                    assert tokens.read(read, token)
                else:
                    with pytest.raises(tokens.TokenError):
                        tokens.read(read, token)


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_user_text_is_escaped_in_the_html_email(client, petition, smtp_sink, run_jobs):
    petition.title = "Tech <b>bold</b> & co"
    db.session.commit()
    post_signature(client, first_name=XSS[:100], last_name="<i>Nom</i>", organisation=XSS)
    run_jobs()
    (message,) = smtp_sink.messages
    html = mail_html(message)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tech &lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert "<script>alert(1)</script>" in mail_text(message), "plain text stays as typed"


def test_markdown_description_is_sanitised(client, petition):
    petition.description = (
        "<script>alert(1)</script>\n\n[clic](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n\n**gras** [site](https://example.org)'
    )
    db.session.commit()
    page = client.get("/p/saint-etienne").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    html = re.search(r'<div class="description">(.*?)</div>', page, re.S).group(1)
    assert 'href="javascript' not in html and "<img" not in html, "shown as text at most"
    assert "<strong>gras</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
