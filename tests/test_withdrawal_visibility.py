"""A withdrawn signer leaves the public count, the organizer's export and the
public supporters list within two seconds (caches included), and the person
may sign again later."""

import time

from sqlalchemy import select

from petition.extensions import db
from petition.models import Signature, SignatureState

from helpers import csrf_from, export, link_in, login, make_organizer, post_signature


def views(client, organizer):
    count = client.get("/api/v1/petitions/saint-etienne/count").get_json()["signature_count"]
    supporters = client.get("/p/saint-etienne/soutiens").get_data(as_text=True)
    csv_text = export(organizer).get_data(as_text=True)
    return count, supporters, csv_text


def test_withdrawal_leaves_count_export_and_public_list_within_two_seconds(
    app, client, petition, smtp_sink, confirm_via_email, run_jobs
):
    make_organizer("orga@ville.fr", [petition])
    organizer = app.test_client()
    login(organizer, "orga@ville.fr")
    post_signature(
        client, first_name="Alice", last_name="Martin", email="alice@example.org", public="y"
    )
    confirm_via_email(to="alice@example.org")
    post_signature(
        client, first_name="Bruno", last_name="Keller", email="bruno@example.org", public="y"
    )
    confirm_via_email(to="bruno@example.org")
    count, supporters, export = views(client, organizer)
    assert count == 2 and "Keller" in supporters and "bruno@example.org" in export

    message = [m for m in smtp_sink.messages if "bruno" in m["To"]][-1]
    path = link_in(message, "/withdraw/")
    page = client.get(path)
    done = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    deadline = time.monotonic() + 2.0
    while True:
        count, supporters, export = views(client, organizer)
        gone = count == 1 and "Keller" not in supporters and "bruno@example.org" not in export
        if gone or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert count == 1, "left the count"
    assert "Keller" not in supporters, "left the public list"
    assert "bruno@example.org" not in export, "left the export"
    assert "Martin" in supporters and "alice@example.org" in export, "the others stay"

    signature = db.session.scalars(
        select(Signature).where(Signature.state == SignatureState.WITHDRAWN)
    ).one()
    assert signature.email is None and signature.last_name is None, "personal data erased"
    again = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert again.status_code == 200, "a replayed link changes nothing"
    assert (
        post_signature(
            client, first_name="Bruno", last_name="Keller", email="bruno@example.org"
        ).status_code
        == 302
    )
    run_jobs()
    assert "Confirmez" in smtp_sink.messages[-1]["Subject"], "may sign again later"
