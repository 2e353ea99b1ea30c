"""Each signature's organisation checked against the Sirene register by the
worker (services/organisation_checks.py, jobs/organisations.py): the real flow
(sign, the email from the sink, the link followed, confirm, the worker), the
chore that catches what the queue missed and retries `not_checked`, and the
signature confirmed at once whatever the register says."""

import socket
from datetime import timedelta

import pytest
from stdnum import luhn

from petition.extensions import db
from petition.jobs import make_redis
from petition.jobs import organisations as org_jobs
from petition.models import (
    OrganisationCheck,
    RegisterStatus,
    SignatureState,
    SireneEstablishment,
    SireneUnit,
    utcnow,
)
from petition.services import organisation_checks
from petition.sirene import sample

from helpers import add_signature, csrf_from, link_in, only_signature, post_signature, reread


@pytest.fixture
def unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def valid(digits):
    """`digits` completed with its Luhn key (a SIREN from 8 digits, a SIRET from 13)."""
    return digits + luhn.calc_check_digit(digits)


ACTIVE_SIREN = valid("12345678")
ACTIVE_SIRET = valid(ACTIVE_SIREN + "0001")
CLOSED_SIREN = valid("23456789")
CLOSED_SIRET = valid(CLOSED_SIREN + "0001")
PARTIAL_SIREN = valid("34567891")
PARTIAL_SIRET = valid(PARTIAL_SIREN + "0001")
OUTSIDE_SIREN = valid("45678912")
OUTSIDE_SIRET = valid(OUTSIDE_SIREN + "0001")
UNKNOWN_SIRET = valid(valid("56789123") + "0001")

PARTIAL_NAME = "Martine Discrète EI"


def put_register():
    """A few register rows as the stock import leaves them."""

    def unit(siren, name, state="A", diffusion="O"):
        db.session.add(SireneUnit(siren=siren, name=name, state=state, diffusion=diffusion))

    def place(siret, commune, state="A", naf="62.01Z", headcount="11", diffusion="O"):
        db.session.add(
            SireneEstablishment(
                siret=siret,
                siren=siret[:9],
                nic=siret[9:],
                state=state,
                commune=commune,
                naf=naf,
                headcount=headcount,
                diffusion=diffusion,
                head_office=True,
            )
        )

    unit(ACTIVE_SIREN, "Forge Numérique SAS")
    place(ACTIVE_SIRET, "42218")
    unit(CLOSED_SIREN, "Ancienne Manufacture", state="C")
    place(CLOSED_SIRET, "42095", state="F", naf="25.11Z", headcount="03")
    unit(PARTIAL_SIREN, PARTIAL_NAME, diffusion="P")
    place(PARTIAL_SIRET, "42218", naf="74.10Z", headcount="NN", diffusion="P")
    unit(OUTSIDE_SIREN, "Lyon Logiciel")
    place(OUTSIDE_SIRET, "69381", naf="62.02A", headcount="21")
    db.session.commit()


def sign_and_confirm(client, confirm_via_email, siren, **fields):
    post_signature(client, siren=siren, category="company", organisation="Ma boîte", **fields)
    response = confirm_via_email()
    assert response.status_code == 200
    return only_signature()


def check_of(signature):
    return reread(OrganisationCheck, signature.id)


def test_an_active_siret_in_the_register_is_active_and_in_the_territory(
    client, petition, confirm_via_email, run_jobs
):
    put_register()
    signature = sign_and_confirm(client, confirm_via_email, ACTIVE_SIRET)
    assert signature.state == SignatureState.VERIFIED
    run_jobs()
    found = check_of(signature)
    assert found.status == RegisterStatus.ACTIVE
    assert found.in_territory is True
    assert found.registered_name == "Forge Numérique SAS"
    assert (found.siren, found.siret) == (ACTIVE_SIREN, ACTIVE_SIRET)
    assert (found.naf, found.headcount, found.commune) == ("62.01Z", "11", "42218")
    assert found.source == "stock" and found.attempts == 1 and found.checked_at
    assert found.petition_id == petition.id and found.next_attempt_at is None


def test_a_closed_siret_is_closed(client, petition, confirm_via_email, run_jobs):
    put_register()
    signature = sign_and_confirm(client, confirm_via_email, CLOSED_SIRET)
    run_jobs()
    found = check_of(signature)
    assert found.status == RegisterStatus.CLOSED
    assert found.in_territory is True  # Firminy


def test_an_unknown_number_is_not_found(client, petition, confirm_via_email, run_jobs):
    put_register()
    signature = sign_and_confirm(client, confirm_via_email, UNKNOWN_SIRET)
    run_jobs()
    found = check_of(signature)
    assert found.status == RegisterStatus.NOT_FOUND
    assert found.registered_name is None and found.in_territory is None


def test_a_siren_alone_points_to_the_head_office(client, petition, confirm_via_email, run_jobs):
    put_register()
    signature = sign_and_confirm(client, confirm_via_email, OUTSIDE_SIREN)
    run_jobs()
    found = check_of(signature)
    assert found.status == RegisterStatus.ACTIVE
    assert found.siret == OUTSIDE_SIRET and found.in_territory is False


def test_no_number_no_check(client, petition, confirm_via_email, run_jobs):
    put_register()
    signature = sign_and_confirm(client, confirm_via_email, "")
    run_jobs()
    assert check_of(signature) is None
    assert organisation_checks.due() == []


def test_the_check_is_idempotent(client, petition, confirm_via_email, run_jobs):
    put_register()
    signature = sign_and_confirm(client, confirm_via_email, ACTIVE_SIRET)
    run_jobs()
    assert org_jobs.check_organisation(signature.id) == RegisterStatus.ACTIVE
    assert check_of(signature).attempts == 1


def test_redis_down_at_confirmation_loses_nothing(
    app, client, petition, smtp_sink, run_jobs, unused_port
):
    """Redis unreachable when the link is followed: the signature is verified
    at once, the check job could not be queued; the chore checks it later."""
    put_register()
    post_signature(client, siren=ACTIVE_SIRET, category="company", organisation="Forge")
    run_jobs()  # the confirmation email
    path = link_in(smtp_sink.messages[-1], "/confirm/")
    page = client.get(path)
    working = app.extensions["redis"]
    app.extensions["redis"] = make_redis(f"redis://127.0.0.1:{unused_port}/0")
    try:
        response = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    finally:
        app.extensions["redis"] = working
    assert response.status_code == 200
    signature = only_signature()
    assert signature.state == SignatureState.VERIFIED
    assert run_jobs() == 0 and check_of(signature) is None
    assert organisation_checks.due() == [signature.id]
    assert org_jobs.check_due_organisations() == {RegisterStatus.ACTIVE: 1}
    assert check_of(signature).status == RegisterStatus.ACTIVE
    assert organisation_checks.due() == []


def test_not_checked_is_retried_later_with_a_growing_delay(app, petition):
    put_register()
    signature = add_signature(petition, siren=ACTIVE_SIRET, category="company")
    now = utcnow()
    db.session.add(
        OrganisationCheck(
            signature_id=signature.id,
            petition_id=petition.id,
            status=RegisterStatus.NOT_CHECKED,
            siren=ACTIVE_SIREN,
            attempts=2,
            checked_at=now,
            next_attempt_at=now + timedelta(minutes=10),
        )
    )
    db.session.commit()
    assert organisation_checks.due(now) == []  # not yet
    later = now + timedelta(minutes=11)
    assert organisation_checks.due(later) == [signature.id]
    assert org_jobs.check_due_organisations() == {}  # the real clock: not due yet
    assert organisation_checks.check(signature.id, later) == RegisterStatus.ACTIVE
    found = check_of(signature)
    assert found.status == RegisterStatus.ACTIVE and found.attempts == 3
    assert found.next_attempt_at is None


def test_the_retry_delay_grows_and_is_capped():
    delays = [organisation_checks.retry_delay(n) for n in range(1, 20)]
    assert delays == sorted(delays) and delays[0] < delays[3]
    assert delays[-1] == organisation_checks.RETRY_CAP


def test_withdrawn_or_pending_signatures_are_not_checked(app, petition):
    put_register()
    pending = add_signature(petition, state="pending", siren=ACTIVE_SIRET)
    withdrawn = add_signature(petition, state="withdrawn", siren=CLOSED_SIRET)
    assert organisation_checks.due() == []
    assert organisation_checks.check(pending.id) is None
    assert organisation_checks.check(withdrawn.id) is None


def test_not_found_is_checked_again_after_a_new_import(
    app, client, petition, confirm_via_email, run_jobs, runner, tmp_path
):
    """Unknown to the register at confirmation; a newer extract holds it: after
    `flask sirene import`, the worker finds it. Answers already `active` are
    not asked again."""
    newcomer = sample.DEMO_UNITS[0]  # active, Saint-Étienne, in the extract below
    signature = sign_and_confirm(client, confirm_via_email, newcomer.siret)
    run_jobs()
    assert check_of(signature).status == RegisterStatus.NOT_FOUND
    put_register()
    known = add_signature(petition, siren=ACTIVE_SIRET, category="company")
    assert organisation_checks.check(known.id) == RegisterStatus.ACTIVE
    known_check = check_of(known)
    units, places = sample.write_extract(tmp_path / "x", {"42218"}, 50)
    result = runner.invoke(args=["sirene", "import", "--communes", "42218", str(places)])
    assert result.exit_code == 0, result.output
    run_jobs()
    found = check_of(signature)
    assert found.status == RegisterStatus.ACTIVE
    assert "1 organisations not found before are checked again" in result.output
    assert (found.siret, found.commune, found.in_territory) == (newcomer.siret, "42218", True)
    assert found.attempts == 2 and found.next_attempt_at is None
    again = check_of(known)
    assert (again.attempts, again.checked_at) == (1, known_check.checked_at), "active: untouched"
    assert organisation_checks.due() == []
