"""Login under attack and password-reset requests (issue 9, items 5 and 17b).

Failed passwords are counted per account whatever the client address. Past the
limit the owner is never refused: every attempt on that account gets the same
answer, right password or wrong, and only the right one emails a one-time
sign-in link. Reset emails are limited per account, behind one neutral page.
"""

import re
import time

from helpers import csrf, csrf_from, link_in, login, make_organizer

WRONG = "not the password!"


def from_address(app, n):
    """A browser at its own client address: per-address limits never interfere."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
    return client


def page_text(response):
    """The page without what differs on every response (CSP nonce)."""
    return re.sub(r'nonce="[^"]*"', "", response.get_data(as_text=True))


def attack(app, email, failures=10):
    """Wrong passwords for `email`, each from another client address."""
    for n in range(failures):
        assert login(from_address(app, 100 + n), email, WRONG).status_code == 400


def test_owner_is_never_locked_out_by_failures_from_other_addresses(
    app, petition, smtp_sink, run_jobs
):
    make_organizer("se@example.org", [petition])
    attack(app, "se@example.org")
    owner = from_address(app, 1)
    right = login(owner, "se@example.org")
    wrong = login(from_address(app, 2), "se@example.org", "another wrong guess")
    assert right.status_code == 200, "the right password is never answered 429"
    assert (right.status_code, page_text(right)) == (wrong.status_code, page_text(wrong)), (
        "the same answer whether the password is right or wrong: no oracle"
    )
    assert "Si le mot de passe était juste" in page_text(right)
    assert owner.get("/organizer/").status_code == 302, "the password alone does not log in"

    run_jobs()
    (message,) = smtp_sink.messages  # the wrong password sent nothing
    assert message["To"] == "se@example.org"
    path = link_in(message, "/organizer/signin/")

    login(from_address(app, 3), "se@example.org")
    run_jobs()
    assert len(smtp_sink.messages) == 1, "at most one sign-in email every few minutes"

    page = owner.get(path)
    assert page.status_code == 200 and "se@example.org" in page.get_data(as_text=True)
    assert owner.get("/organizer/").status_code == 302, (
        "opening the link (a mail scanner) logs nobody in"
    )
    done = owner.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 302
    assert owner.get("/organizer/petitions/saint-etienne/").status_code == 200

    replay = from_address(app, 4).get(path)
    assert replay.status_code == 400 and "déjà servi" in replay.get_data(as_text=True)
    assert from_address(app, 4).get(path.replace("/signin/", "/password/reset/")).status_code == 400


def test_unknown_address_under_attack_gets_the_same_answer(app, petition):
    make_organizer("se@example.org", [petition])
    attack(app, "se@example.org")
    attack(app, "nobody@example.org")
    known = login(from_address(app, 1), "se@example.org", WRONG)
    unknown = login(from_address(app, 2), "nobody@example.org", WRONG)
    assert (known.status_code, page_text(known)) == (unknown.status_code, page_text(unknown)), (
        "whether an account exists stays unknown"
    )


def test_below_the_limit_login_answers_as_usual(app, petition):
    make_organizer("se@example.org", [petition])
    attack(app, "se@example.org", failures=9)
    assert login(from_address(app, 1), "se@example.org").status_code == 302


def test_sign_in_link_in_english_and_when_expired(app, petition, smtp_sink, run_jobs):
    make_organizer("se@example.org", [petition])
    attack(app, "se@example.org")
    client = from_address(app, 1)
    client.get("/organizer/login?lang=en")
    answer = login(client, "se@example.org")
    assert "If the password was right" in page_text(answer)
    run_jobs()
    path = link_in(smtp_sink.messages[-1], "/organizer/signin/")
    app.config["SIGNIN_TOKEN_MAX_AGE"] = 0
    time.sleep(1.1)
    expired = client.post(path, data={"csrf_token": csrf(client)})
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert client.get("/organizer/").status_code == 302


def test_reset_emails_are_limited_per_account_behind_one_answer(app, petition, smtp_sink, run_jobs):
    make_organizer("se@example.org", [petition])
    answers = set()
    for n in range(5):
        client = from_address(app, n + 1)
        token = csrf(client, "/organizer/password/forgot")
        for email in ("se@example.org", "nobody@example.org"):
            response = client.post(
                "/organizer/password/forgot", data={"email": email, "csrf_token": token}
            )
            answers.add((response.status_code, page_text(response)))
    assert len(answers) == 1, "every request, existing account or not, gets the same page"
    run_jobs()
    assert [m["To"] for m in smtp_sink.messages] == ["se@example.org"] * 3, (
        "three reset emails an hour per account, whatever the client address"
    )
