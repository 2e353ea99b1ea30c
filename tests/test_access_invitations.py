"""Inviting an existing account (issue 9, item 17d): access waits until that
account accepts through the emailed link; the link does nothing for another
account, works once and expires."""

import time

from helpers import csrf, csrf_from, link_in, login, make_lyon, make_organizer


def invite(client, email, slug="saint-etienne"):
    token = csrf(client, f"/organizer/petitions/{slug}/")
    return client.post(
        f"/organizer/petitions/{slug}/invite", data={"email": email, "csrf_token": token}
    )


def logged_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def test_existing_account_sees_nothing_until_it_accepts(app, petition, smtp_sink, run_jobs):
    make_organizer("chef@example.org", [petition])
    make_organizer("collegue@example.org")
    make_organizer("intrus@example.org")
    chef = logged_in(app, "chef@example.org")
    sent = invite(chef, "Collegue@example.org")
    assert sent.status_code == 303
    notice = chef.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Invitation envoyée à Collegue@example.org" in notice

    collegue = logged_in(app, "collegue@example.org")
    assert collegue.get("/organizer/petitions/saint-etienne/").status_code == 404
    assert "Saint-Étienne" not in collegue.get("/organizer/").get_data(as_text=True)

    run_jobs()
    (message,) = smtp_sink.messages
    assert message["To"] == "collegue@example.org"
    assert "Saint-Étienne French Tech" in message["Subject"]
    path = link_in(message, "/organizer/access/")

    intrus = logged_in(app, "intrus@example.org")
    assert intrus.get(path).status_code == 403
    refused = intrus.post(
        path, data={"action": "accept", "csrf_token": csrf(intrus, "/organizer/")}
    )
    assert refused.status_code == 403
    assert intrus.get("/organizer/petitions/saint-etienne/").status_code == 404
    assert collegue.get("/organizer/petitions/saint-etienne/").status_code == 404, (
        "another account's click changed nothing"
    )

    anonymous = app.test_client()
    assert anonymous.get(path).headers["Location"].startswith("/organizer/login?next=")
    back = login(anonymous, "collegue@example.org", next_url=path)
    assert back.headers["Location"] == path, "after logging in, back to the invitation"

    page = collegue.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Saint-Étienne French Tech" in body and "chef@example.org" in body
    accepted = collegue.post(path, data={"action": "accept", "csrf_token": csrf_from(body)})
    assert accepted.status_code == 303
    assert accepted.headers["Location"] == "/organizer/petitions/saint-etienne/"
    assert collegue.get("/organizer/petitions/saint-etienne/").status_code == 200

    replay = collegue.get(path)
    assert replay.status_code == 400 and "déjà servi" in replay.get_data(as_text=True)


def test_declined_invitation_grants_nothing_and_links_expire(app, petition, smtp_sink, run_jobs):
    lyon = make_lyon()
    make_organizer("chef@example.org", [petition, lyon])
    make_organizer("collegue@example.org")
    chef = logged_in(app, "chef@example.org")
    collegue = logged_in(app, "collegue@example.org")

    invite(chef, "collegue@example.org")
    run_jobs()
    path = link_in(smtp_sink.messages[-1], "/organizer/access/")
    page = collegue.get(path)
    declined = collegue.post(
        path, data={"action": "decline", "csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert declined.status_code == 303
    assert collegue.get("/organizer/petitions/saint-etienne/").status_code == 404
    assert collegue.get(path).status_code == 400, "a declined invitation's link is spent"

    invite(chef, "collegue@example.org", slug="lyon")
    run_jobs()
    late = link_in(smtp_sink.messages[-1], "/organizer/access/")
    app.config["GRANT_TOKEN_MAX_AGE"] = 0
    time.sleep(1.1)
    expired = collegue.get(late)
    assert expired.status_code == 400 and "expiré" in expired.get_data(as_text=True)
    posted = collegue.post(
        late, data={"action": "accept", "csrf_token": csrf(collegue, "/organizer/")}
    )
    assert posted.status_code == 400
    assert collegue.get("/organizer/petitions/lyon/").status_code == 404


def test_a_newer_invitation_replaces_the_older_link(app, petition, smtp_sink, run_jobs):
    make_organizer("chef@example.org", [petition])
    make_organizer("collegue@example.org")
    chef = logged_in(app, "chef@example.org")
    invite(chef, "collegue@example.org")
    run_jobs()
    invite(chef, "collegue@example.org")
    run_jobs()
    first, second = (link_in(m, "/organizer/access/") for m in smtp_sink.messages)
    collegue = logged_in(app, "collegue@example.org")
    assert collegue.get(first).status_code == 400
    assert collegue.get(second).status_code == 200


def test_inviting_someone_who_already_has_access_changes_nothing(
    app, petition, smtp_sink, run_jobs
):
    make_organizer("chef@example.org", [petition])
    make_organizer("collegue@example.org", [petition])
    chef = logged_in(app, "chef@example.org")
    notice = chef.get(invite(chef, "collegue@example.org").headers["Location"])
    assert "a déjà accès" in notice.get_data(as_text=True)
    run_jobs()
    assert smtp_sink.messages == []
