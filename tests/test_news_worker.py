"""An update sent to 1,000 opted-in signers by the real worker process
(worker.py), killed with SIGKILL halfway through, then finished by a second
worker: each address gets the update exactly once, none goes to those who
unsubscribed or withdrew meanwhile, and every email carries valid RFC 8058
headers whose one-click POST works."""

import re
import signal
from collections import Counter

import pytest
from sqlalchemy import insert, select

from petition.extensions import db
from petition.links import unsubscribe_url, withdraw_token
from petition.models import PetitionUpdate, Signature, UpdateDelivery
from petition.services import news

from helpers import csrf_from, reread, reread_all
from servers import StallingHandler, Workers, sink_answering_with

SIGNERS = 1000
KILL_AT = 400  # the worker is killed while the server holds this message's RCPT
BASE_URL = "https://petition.example"


@pytest.fixture
def sink():
    sink = sink_answering_with(StallingHandler(KILL_AT))
    yield sink
    sink.stop()


@pytest.fixture
def app_overrides():
    return {"BASE_URL": BASE_URL}


@pytest.fixture
def start_worker(app, sink, tmp_path):
    workers = Workers(app, sink, tmp_path, NEWS_BATCH_SIZE="100", NEWS_BATCH_INTERVAL="0")
    yield workers.start
    workers.stop()


def opted_in_signers(petition, count):
    rows = [
        dict(
            petition_id=petition.id,
            state="verified",
            first_name=f"Prénom{n}",
            last_name=f"Nom{n}",
            email=f"signer{n}@example.org",
            canonical_email=f"signer{n}@example.org",
            postal_code="42000",
            category="developer",
            news_opt_in=True,
        )
        for n in range(count)
    ]
    db.session.execute(insert(Signature), rows)
    db.session.commit()
    return db.session.scalars(select(Signature).order_by(Signature.id)).all()


def press(client, path):
    page = client.get(path)
    assert page.status_code == 200, path
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_killed_worker_sends_each_update_once(
    app, client, petition, sink, start_worker, tmp_path
):
    signers = opted_in_signers(petition, SIGNERS)
    addresses = {s.id: s.email for s in signers}  # withdrawn rows lose theirs
    update = PetitionUpdate(petition_id=petition.id, title="Le dossier est déposé", body="Merci !")
    db.session.add(update)
    db.session.commit()
    assert news.start(update) == SIGNERS

    # Five unsubscribe and five withdraw after the list was made: early and late in it.
    leaving = signers[10:15] + signers[900:905]
    gone = {addresses[s.id] for s in leaving}
    for signature in leaving[::2]:
        path = unsubscribe_url(signature, update.id).removeprefix(BASE_URL)
        assert client.post(path).status_code == 200  # one-click: no token, no session
    for signature in leaving[1::2]:
        response = press(client, "/withdraw/" + withdraw_token(signature))
        assert response.status_code == 200
    assert not any(reread(Signature, s.id).news_opt_in for s in leaving)

    first = start_worker()
    assert sink.handler.stalled.wait(120), (tmp_path / "worker0.log").read_text()[-3000:]
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    before = len(sink.messages)
    assert 0 < before < SIGNERS - len(gone), "killed halfway"

    second = start_worker("--burst")
    assert second.wait(300) == 0, (tmp_path / "worker1.log").read_text()[-3000:]
    messages = sink.messages
    received = Counter(m["To"] for m in messages)
    expected = set(addresses.values()) - gone
    assert set(received) == expected, f"missing {len(expected - set(received))}"
    assert [a for a, n in received.items() if n > 1] == [], "nobody twice"

    for message in messages:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        links = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert links and links[0].startswith(BASE_URL + "/unsubscribe/"), links
        assert all(link.startswith(("https://", "mailto:")) for link in links)
    sample = messages[-1]
    path = re.search(r"<([^>]+)>", sample["List-Unsubscribe"]).group(1).removeprefix(BASE_URL)
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not reread(Signature, int(_signature_of(sample))).news_opt_in

    assert reread(PetitionUpdate, update.id).state == "sent"
    progress = news.progress(update.id)
    assert (progress.sent, progress.skipped, progress.waiting) == (len(expected), len(gone), 0)
    assert all(d.sent_at for d in reread_all(select(UpdateDelivery)) if d.state == "sent")


def _signature_of(message):
    number = re.fullmatch(r"signer(\d+)@example.org", message["To"]).group(1)
    email = f"signer{number}@example.org"
    return db.session.scalar(select(Signature.id).where(Signature.email == email))
