"""The newcomer's news path through `make run`: sign with the news box ticked
and confirm, log in as the demo organizer, write an update and send it; it
arrives on the dev mail page with a working unsubscribe link."""

import re
import time
from html import unescape

import pytest
from test_devstack import (  # noqa: F401 (fixtures)
    Browser,
    devstack,
    devstack_env,
    log_of,
    wait_until_serving,
)

from petition.demo import DEMO_ORGANIZER

from helpers import csrf_from, sign_data


def mail_keys(stack, browser, count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _status, _url, inbox = browser.get("/dev/mail/")
        keys = re.findall(r'href="(/dev/mail/[^"/?]+)"', inbox)
        if len(keys) >= count:
            return keys
        time.sleep(0.5)
    pytest.fail(f"{count} emails never reached the dev mail page:\n{log_of(stack)}")


def email_with(stack, browser, needle, timeout=60):
    """The one email of the dev mail page that holds `needle`; others arrive
    too (the confirmation, the demo milestone's alert to the organizers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _status, _url, inbox = browser.get("/dev/mail/")
        keys = re.findall(r'href="(/dev/mail/[^"/?]+)"', inbox)
        found = [m for m in (unescape(browser.get(k)[2]) for k in keys) if needle in m]
        if found:
            assert len(found) == 1, f"{len(found)} emails hold {needle}"
            return found[0]
        time.sleep(0.5)
    pytest.fail(f"no email with {needle} reached the dev mail page:\n{log_of(stack)}")


def link(base, path, message):
    match = re.search(re.escape(base) + "(" + re.escape(path) + r'[^"<\s]+)', message)
    assert match, f"no {path} link in:\n{message}"
    return unescape(match.group(1))


def test_the_demo_organizer_sends_news_that_arrives_with_an_unsubscribe_link(devstack):  # noqa: F811
    base = f"http://127.0.0.1:{devstack['port']}"
    browser = Browser(base)
    form = wait_until_serving(devstack, browser)
    data = sign_data(email="lectrice@example.org", first_name="Lou", news="y")
    data["csrf_token"] = csrf_from(form)
    status, _url, _page = browser.post("/p/saint-etienne", data)
    assert status == 200
    (confirmation,) = mail_keys(devstack, browser, 1)
    confirm_path = link(base, "/confirm/", browser.get(confirmation)[2])
    page = browser.get(confirm_path)[2]
    assert browser.post(confirm_path, {"csrf_token": csrf_from(page)})[0] == 200

    login = browser.get("/organizer/login")[2]
    status, url, _page = browser.post(
        "/organizer/login",
        {
            "email": DEMO_ORGANIZER["email"],
            "password": DEMO_ORGANIZER["password"],
            "csrf_token": csrf_from(login),
        },
    )
    assert status == 200 and "/organizer/login" not in url, _page[:2000]
    news = "/organizer/petitions/saint-etienne/news"
    status, url, draft = browser.post(
        news,
        {
            "title": "Le dossier est déposé",
            "body": "Merci **à toutes et à tous** !",
            "csrf_token": csrf_from(browser.get(news)[2]),
        },
    )
    assert status == 200 and "Envoyer à 1 signataire" in unescape(draft), draft[:3000]
    update_path = url.removeprefix(base)
    status, _url, sent = browser.post(update_path + "/send", {"csrf_token": csrf_from(draft)})
    assert status == 200 and "1 signataire la recevra" in unescape(sent)

    message = email_with(devstack, browser, "/unsubscribe/")
    assert "Le dossier est déposé" in message and "List-Unsubscribe" in message, message
    unsubscribe = link(base, "/unsubscribe/", message)
    assert "Je me désinscris" in unescape(browser.get(unsubscribe)[2])
    status, _url, done = browser.post(unsubscribe, {})
    assert status == 200 and "Vous ne recevrez plus ces nouvelles" in unescape(done)
    assert "Le dossier est déposé" in unescape(browser.get("/p/saint-etienne")[2])
