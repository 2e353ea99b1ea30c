"""A sample audit emailed by the real worker process (worker.py), killed with
SIGKILL halfway through, then finished by a second worker: each drawn signer
gets the question exactly once, and the signature's email cap moves once."""

from collections import Counter

import pytest
from sqlalchemy import insert, select

from petition.extensions import db
from petition.models import AuditSample, Signature
from petition.services import sample_audits

from helpers import reread_all
from servers import StallingHandler, Workers, sink_answering_with

SIGNERS = 60
KILL_AT = 25  # the worker is killed while the server holds this message's RCPT


@pytest.fixture
def sink():
    sink = sink_answering_with(StallingHandler(KILL_AT))
    yield sink
    sink.stop()


@pytest.fixture
def start_worker(app, sink, tmp_path):
    workers = Workers(app, sink, tmp_path, NEWS_BATCH_SIZE="10", NEWS_BATCH_INTERVAL="0")
    yield workers.start
    workers.stop()


def test_a_killed_worker_asks_each_drawn_signer_once(app, petition, sink, start_worker, tmp_path):
    rows = [
        dict(
            petition_id=petition.id,
            state="verified",
            first_name=f"Prénom{n}",
            email=f"signer{n}@example.org",
            canonical_email=f"signer{n}@example.org",
            postal_code="42000",
            category="developer",
            email_count=1,
        )
        for n in range(SIGNERS)
    ]
    db.session.execute(insert(Signature), rows)
    db.session.commit()
    audit = sample_audits.start(petition, SIGNERS, None)

    first = start_worker()
    assert sink.handler.stalled.wait(120), (tmp_path / "worker0.log").read_text()[-3000:]
    first.kill()
    first.wait(10)
    before = len(sink.messages)
    assert 0 < before < SIGNERS, "killed halfway"

    second = start_worker("--burst")
    assert second.wait(300) == 0, (tmp_path / "worker1.log").read_text()[-3000:]
    received = Counter(m["To"] for m in sink.messages)
    assert set(received) == {r["email"] for r in rows}
    assert [a for a, n in received.items() if n > 1] == [], "nobody twice"
    f = sample_audits.of_audit(audit.id)
    assert (f.emailed, f.waiting, f.not_reached) == (SIGNERS, 0, 0)
    assert set(reread_all(select(Signature.email_count))) == {2}  # one unit each, once
    assert all(reread_all(select(AuditSample.counted)))
