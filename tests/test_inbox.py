"""The pages after signing: "check your inbox" names the address the email
went to (masked), says what to do when nothing arrives and sends the email
again under the same cap as signing again; "confirmed" shows the live count
and invites to share. Nothing says whether an address had signed before."""

import base64
import json
import re
import zlib

from helpers import csrf_from, drain, only_signature, post_signature, sign_data

ADDRESS = "jean.dupont@gmail.com"


def _inbox_page(client):
    return client.get("/p/saint-etienne/merci").get_data(as_text=True)


def _resend(client):
    token = csrf_from(_inbox_page(client))
    return client.post("/p/saint-etienne/merci", data={"csrf_token": token})


def _session(response):
    """The session cookie's content, as anyone holding the browser can read it."""
    cookie = re.search(r"session=([^;]+)", response.headers.get("Set-Cookie", "")).group(1)
    payload = cookie.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if cookie.startswith(".") else data).decode()


def test_check_inbox_names_the_address_masked(client, petition):
    response = post_signature(client, email=ADDRESS)
    assert response.headers["Location"].endswith("/p/saint-etienne/merci")
    html = _inbox_page(client)
    assert "j•••@gmail.com" in html
    assert "jean.dupont" not in html
    assert "indésirables (spam)" in html and "Patientez quelques minutes" in html
    assert "Renvoyer l’e-mail" in html and "Au plus 5 e-mails par signature." in html
    english = client.get("/p/saint-etienne/merci?lang=en").get_data(as_text=True)
    assert "We are sending an email to" in english and "j•••@gmail.com" in english
    assert "junk (spam) folder" in english and "Send the email again" in english


def test_the_address_never_reaches_the_browser_in_full(client, petition):
    response = post_signature(client, email=ADDRESS)
    session = _session(response)
    assert "dupont" not in session
    assert json.loads(session)["inbox"]["to"] == "j•••@gmail.com"


def test_a_visitor_who_did_not_sign_sees_the_generic_page(client, petition):
    html = _inbox_page(client)
    assert "•••" not in html and "Renvoyer" not in html
    assert "Signez de nouveau avec la même adresse" in html


def test_resend_sends_the_email_again_under_the_same_cap(client, petition, run_jobs, smtp_sink):
    post_signature(client, email=ADDRESS)
    drain(run_jobs)
    assert len(smtp_sink.messages) == 1
    for _ in range(6):  # the cap is 5 emails per signature (MAX_EMAILS_PER_SIGNATURE)
        response = _resend(client)
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/p/saint-etienne/merci")
        html = _inbox_page(client)
        assert "C’est fait : si cette adresse peut encore recevoir un e-mail" in html
    drain(run_jobs)
    assert len(smtp_sink.messages) == 5, "the cap holds, as when signing again"
    assert {m["To"] for m in smtp_sink.messages} == {ADDRESS}
    assert only_signature().email_count == 5


def test_resend_after_confirmation_sends_the_already_signed_notice(
    client, petition, run_jobs, smtp_sink, confirm_via_email
):
    post_signature(client, email=ADDRESS)
    confirm_via_email()
    smtp_sink.clear()
    assert _resend(client).status_code == 303
    drain(run_jobs)
    (notice,) = smtp_sink.messages
    assert "déjà signé" in notice["Subject"] or "déjà" in notice.get_body().get_content()


def test_resend_for_a_bot_sends_nothing_and_says_the_same(client, petition, run_jobs, smtp_sink):
    post_signature(client, email=ADDRESS, website="http://spam.example")
    assert "j•••@gmail.com" in _inbox_page(client), "the same page as anyone"
    response = _resend(client)
    assert response.status_code == 303
    assert "C’est fait" in _inbox_page(client)
    drain(run_jobs)
    assert smtp_sink.messages == []


def test_without_redis_the_page_still_answers_without_the_button(client, petition, redis_server):
    page = client.get("/p/saint-etienne")
    token = csrf_from(page.get_data(as_text=True))
    redis_server.stop()
    try:
        data = sign_data(email=ADDRESS)
        data["csrf_token"] = token
        assert client.post("/p/saint-etienne", data=data).status_code == 302
        html = _inbox_page(client)
    finally:
        redis_server.start()
    assert "j•••@gmail.com" in html
    assert "Renvoyer" not in html and "Signez de nouveau avec la même adresse" in html


def test_confirmed_page_shows_the_live_count_and_the_share_links(
    client, petition, confirm_via_email
):
    post_signature(client, email=ADDRESS)
    html = confirm_via_email().get_data(as_text=True)
    assert "Merci, votre signature est confirmée" in html
    assert 'data-live-count="saint-etienne"' in html
    assert '<strong data-live="count">1</strong> soutien vérifié, dont' in html
    assert "Faites-la connaître" in html
    for network in ("linkedin.com/sharing", "twitter.com/intent", "mastodonshare.com", "mailto:"):
        assert network in html, network
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/js/live.js" in scripts and "/static/js/count.js" in scripts
    assert all(src.startswith("/static/") for src in scripts), "no third-party script"


def test_resend_is_limited_per_client_address_like_signing(app, client, petition):
    post_signature(client, email=ADDRESS)
    app.config["RATELIMIT_SIGN"] = "2 per minute"
    assert [_resend(client).status_code for _ in range(3)] == [303, 303, 429]
