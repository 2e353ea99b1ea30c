"""Organizer accounts: the CLI, invitations and password resets by email,
links that expire, work once and only for their own purpose."""

import time

from sqlalchemy import select
from werkzeug.security import check_password_hash

from petition import tokens
from petition.extensions import db
from petition.links import organizer_token
from petition.models import Organizer
from petition.services import organizers

from helpers import PASSWORD, csrf, csrf_from, link_in, login, make_lyon, make_organizer, reread

NEW_PASSWORD = "another long passphrase"


def test_cli_creates_an_organizer_with_password_from_stdin(runner, petition):
    result = runner.invoke(
        args=["organizer", "create", "--email", "Chef@Example.org", "--petition", "saint-etienne"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "chef@example.org" in result.output
    organizer = db.session.scalars(select(Organizer)).one()
    assert organizer.email == "chef@example.org" and not organizer.is_admin
    assert organizer.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert check_password_hash(organizer.password_hash, PASSWORD)
    assert [p.slug for p in organizer.petitions] == ["saint-etienne"]


def test_cli_refuses_unknown_petition_short_password_and_duplicates(runner, petition):
    unknown = runner.invoke(
        args=["organizer", "create", "--email", "a@example.org", "--petition", "nowhere"],
        input=PASSWORD + "\n",
    )
    assert unknown.exit_code != 0 and "nowhere" in unknown.output
    short = runner.invoke(
        args=["organizer", "create", "--email", "a@example.org", "--petition", "saint-etienne"],
        input="short\n",
    )
    assert short.exit_code != 0 and "12" in short.output
    assert db.session.scalars(select(Organizer)).all() == []
    runner.invoke(
        args=["organizer", "create", "--email", "a@example.org", "--admin"], input=PASSWORD + "\n"
    )
    again = runner.invoke(
        args=["organizer", "create", "--email", "A@example.org", "--admin"], input=PASSWORD + "\n"
    )
    assert again.exit_code != 0 and "existe déjà" in again.output


def test_invitation_by_email_lets_a_colleague_in_once(client, petition, smtp_sink, run_jobs):
    make_organizer("chef@example.org", [petition])
    login(client, "chef@example.org")
    token = csrf(client, "/organizer/")
    response = client.post(
        "/organizer/petitions/saint-etienne/invite",
        data={"email": "collegue@example.org", "csrf_token": token},
    )
    assert response.status_code == 303
    assert smtp_sink.messages == [], "the web request does not send mail itself"
    run_jobs()
    (message,) = smtp_sink.messages
    assert message["To"] == "collegue@example.org"
    assert "Saint-Étienne French Tech" in message["Subject"]
    path = link_in(message, "/organizer/invitation/")

    other = client.application.test_client()
    page = other.get(path)
    assert page.status_code == 200 and "collegue@example.org" in page.get_data(as_text=True)
    done = other.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert done.status_code == 302
    assert other.get("/organizer/petitions/saint-etienne/").status_code == 200
    assert other.get("/organizer/").status_code == 200

    again = client.application.test_client().get(path)
    assert again.status_code == 400
    assert "déjà servi" in again.get_data(as_text=True)


def test_password_reset_by_email_works_once_and_ends_old_sessions(
    app, client, petition, smtp_sink, run_jobs
):
    make_organizer("chef@example.org", [petition])
    login(client, "chef@example.org")
    assert client.get("/organizer/").status_code == 200

    other = app.test_client()
    token = csrf(other, "/organizer/password/forgot")
    sent = other.post(
        "/organizer/password/forgot", data={"email": "chef@example.org", "csrf_token": token}
    )
    unknown = other.post(
        "/organizer/password/forgot", data={"email": "nobody@example.org", "csrf_token": token}
    )
    assert sent.get_data(as_text=True) == unknown.get_data(as_text=True), (
        "the page never tells whether an account exists"
    )
    run_jobs()
    (message,) = smtp_sink.messages
    path = link_in(message, "/organizer/password/reset/")
    page = other.get(path)
    done = other.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert done.status_code == 302
    assert client.get("/organizer/").status_code == 302, "the old session is over"
    assert login(app.test_client(), "chef@example.org", NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), "chef@example.org", PASSWORD).status_code == 400
    replay = other.get(path)
    assert replay.status_code == 400 and "déjà servi" in replay.get_data(as_text=True)


def test_reset_token_is_refused_as_invitation_and_vice_versa(client, petition):
    organizer = organizers.create("new@example.org", petitions=[petition])
    invite = organizer_token("invite", organizer)
    reset = organizer_token("reset", organizer)
    confirm = tokens.make("confirm", {"o": organizer.id, "f": organizer.fingerprint()})
    for path in (
        f"/organizer/password/reset/{invite}",
        f"/organizer/invitation/{reset}",
        f"/organizer/invitation/{confirm}",
    ):
        page = client.get(path)
        assert page.status_code == 400, path
        assert "pas valide" in page.get_data(as_text=True)
    assert client.get(f"/organizer/invitation/{invite}").status_code == 200


def test_expired_links_get_a_helpful_page(app, client, petition):
    organizer = organizers.create("new@example.org", petitions=[petition])
    invite = organizer_token("invite", organizer)
    make_organizer("chef@example.org", [petition])
    reset = organizer_token("reset", organizers.find("chef@example.org"))
    app.config["INVITE_TOKEN_MAX_AGE"] = 0
    app.config["RESET_TOKEN_MAX_AGE"] = 0
    time.sleep(1.1)
    page = client.get(f"/organizer/invitation/{invite}")
    assert page.status_code == 400 and "expiré" in page.get_data(as_text=True)
    posted = client.post(
        f"/organizer/password/reset/{reset}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf(client)},
    )
    assert posted.status_code == 400
    body = posted.get_data(as_text=True)
    assert "expiré" in body and "/organizer/password/forgot" in body
    english = client.get(f"/organizer/invitation/{invite}?lang=en")
    assert "expired" in english.get_data(as_text=True)
    assert reread(Organizer, organizer.id).password_hash is None


def test_set_password_form_rejects_short_or_mismatched(client, petition):
    organizer = organizers.create("new@example.org", petitions=[petition])
    path = f"/organizer/invitation/{organizer_token('invite', organizer)}"
    token = csrf_from(client.get(path).get_data(as_text=True))
    short = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 400 and "12" in short.get_data(as_text=True)
    mismatch = client.post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x", "csrf_token": token}
    )
    assert mismatch.status_code == 400 and "diffèrent" in mismatch.get_data(as_text=True)
    assert reread(Organizer, organizer.id).password_hash is None


def test_admin_invites_an_organizer_for_chosen_petitions(client, petition, smtp_sink, run_jobs):
    make_lyon()
    make_organizer("admin@example.org", admin=True)
    login(client, "admin@example.org")
    token = csrf(client, "/organizer/admin/organizers")
    response = client.post(
        "/organizer/admin/organizers",
        data={"email": "lyon@example.org", "petitions": ["lyon"], "csrf_token": token},
    )
    assert response.status_code == 303
    run_jobs()
    assert [m["To"] for m in smtp_sink.messages] == ["lyon@example.org"]
    organizer = organizers.find("lyon@example.org")
    assert [p.slug for p in organizer.petitions] == ["lyon"]
    empty = client.post(
        "/organizer/admin/organizers", data={"email": "x@example.org", "csrf_token": token}
    )
    assert empty.status_code == 400 and "au moins une pétition" in empty.get_data(as_text=True)
