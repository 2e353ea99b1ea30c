"""Erasing a signer leaves no trace: one list of personal columns
(services/erasure.py), used by withdrawal and by retention, and a walk over
the models that fails on a column of signer data listed nowhere. End to end:
a 550 bounce quoting the address, then a withdrawal: the row, the dashboard
and the protection page no longer hold the address, the name or the domain."""

from datetime import timedelta

import pytest
from sqlalchemy import Boolean, DateTime, String, delete, func, inspect, select

from petition import links
from petition.extensions import db
from petition.models import OrganisationCheck, Signature, SignatureState, utcnow
from petition.services import erasure, retention, withdrawal

from helpers import add_signature, csrf_from, link_in, login, make_organizer, post_signature, reread


def signer_tables():
    """`signatures` and every table pointing at it."""
    return [
        table
        for table in db.metadata.sorted_tables
        if table.name == "signatures"
        or any(fk.column.table.name == "signatures" for fk in table.foreign_keys)
    ]


def test_every_column_of_signer_data_is_erased_or_kept_with_a_reason():
    tables = {table.name for table in signer_tables()}
    assert {"signatures", "moderation_items"} <= tables
    unlisted, both = [], []
    for table in signer_tables():
        if erasure.DELETED.get(table.name, "").strip():
            continue  # its rows are deleted with the signer's data
        for column in table.columns:
            key = f"{table.name}.{column.name}"
            erased = table.name == "signatures" and column.name in erasure.ERASED
            kept = bool(erasure.KEPT.get(key, "").strip())
            if not erased and not kept:
                unlisted.append(key)
            if erased and kept:
                both.append(key)
    assert not unlisted, (
        f"new column(s) {unlisted}: add each to erasure.ERASED (personal "
        f"data) or to erasure.KEPT with the reason it may stay"
    )
    assert not both, f"{both} are both erased and kept"


def test_the_lists_name_only_real_columns():
    columns = {f"{t.name}.{c.name}" for t in signer_tables() for c in t.columns}
    assert {f"signatures.{name}" for name in erasure.ERASED} <= columns
    assert set(erasure.KEPT) <= columns
    assert set(erasure.DELETED) <= {t.name for t in signer_tables()}
    assert not any(
        key.startswith(tuple(f"{t}." for t in erasure.DELETED))
        for key in columns & set(erasure.KEPT)
    )


def filled(value, column):
    """A value that is not the erased one, for any column type."""
    if isinstance(column.type, Boolean):
        return not value
    if isinstance(column.type, DateTime):
        return utcnow()
    assert isinstance(column.type, String), column
    return "trace@personne.example"[: column.type.length]


def signature_with_every_personal_column(petition, state=SignatureState.VERIFIED):
    values = {
        name: filled(value, Signature.__table__.c[name]) for name, value in erasure.ERASED.items()
    }
    values.update(email="trace@personne.example", canonical_email="trace@personne.example")
    signature = Signature(
        petition_id=petition.id,
        state=state,
        category="developer",
        postal_code="42000",
        commune="Saint-Étienne",
        **values,
    )
    db.session.add(signature)
    db.session.commit()
    return signature.id


def assert_erased(signature_id):
    signature = reread(Signature, signature_id)
    left = {
        name: getattr(signature, name)
        for name, value in erasure.ERASED.items()
        if getattr(signature, name) != value
    }
    assert not left, f"still there after erasure: {left}"
    assert signature.postal_code == "42000", "kept columns stay"


def test_withdrawal_empties_every_personal_column(app, petition):
    signature_id = signature_with_every_personal_column(petition)
    token = links.withdraw_token(db.session.get(Signature, signature_id))
    assert withdrawal.withdraw(token).outcome == "withdrawn"
    assert_erased(signature_id)


def test_retention_empties_every_personal_column(app, petition):
    signature_id = signature_with_every_personal_column(petition)
    petition.state = "closed"
    petition.closes_at = utcnow() - timedelta(days=petition.retention_days + 1)
    db.session.commit()
    assert retention.erase_expired() == 1
    assert_erased(signature_id)
    assert retention.erase_expired() == 0, "idempotent"


@pytest.mark.parametrize("column", sorted(erasure.ERASED))
def test_a_withdrawn_row_left_with_any_personal_column_is_emptied_by_the_chore(
    app, petition, column
):
    """Rows withdrawn under an older, shorter list (email_error, email_domain…)."""
    signature_id = signature_with_every_personal_column(petition, SignatureState.WITHDRAWN)
    signature = db.session.get(Signature, signature_id)
    for name, value in erasure.ERASED.items():
        if name != column:
            setattr(signature, name, value)
    db.session.commit()
    assert retention.erase_expired() == 1
    assert_erased(signature_id)


ADDRESS = "bruno.keller@keller-conseil.fr"


def test_bounce_then_withdrawal_leaves_no_trace_of_the_address(
    app, client, petition, smtp_sink, run_jobs, confirm_via_email
):
    make_organizer("orga@ville.fr", [petition])
    organizer = app.test_client()
    login(organizer, "orga@ville.fr")
    post_signature(client, first_name="Bruno", last_name="Keller", email=ADDRESS)
    confirm_via_email(to=ADDRESS)
    withdraw_path = link_in(smtp_sink.messages[-1], "/withdraw/")
    # Signing again sends "already signed"; the server now refuses the address for good.
    smtp_sink.refuse_next(1, f"550 5.1.1 <{ADDRESS}>: Recipient address rejected")
    post_signature(client, first_name="Bruno", last_name="Keller", email=ADDRESS)
    run_jobs()
    signature = db.session.scalars(select(Signature)).one()
    assert ADDRESS in signature.email_error and signature.email_failed_at is not None

    pages = {
        "dashboard": "/organizer/petitions/saint-etienne/",
        "protection": "/organizer/petitions/saint-etienne/protection",
    }
    for name, url in pages.items():
        assert ADDRESS in organizer.get(url).get_data(as_text=True), f"{name} shows the bounce"

    page = client.get(withdraw_path)
    done = client.post(withdraw_path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200 and "Votre signature a été retirée" in done.get_data(
        as_text=True
    )

    signature = reread(Signature, signature.id)
    assert signature.state == SignatureState.WITHDRAWN
    row = {a.key: getattr(signature, a.key) for a in inspect(Signature).column_attrs}
    traces = {
        k: v
        for k, v in row.items()
        if isinstance(v, str) and ("keller" in v.lower() or "bruno" in v.lower())
    }
    assert not traces, f"the row still holds {traces}"
    for name, url in pages.items():
        html = organizer.get(url).get_data(as_text=True).lower()
        assert "keller" not in html and "bruno" not in html, f"the {name} page still shows him"


# --- the register checks of an erased signer -----------------------------------


def with_check(signature_id, petition):
    db.session.add(
        OrganisationCheck(
            signature_id=signature_id,
            petition_id=petition.id,
            status="active",
            siren="732829320",
            registered_name="Jean Trace EI",
            partial_diffusion=True,
            attempts=1,
        )
    )
    db.session.commit()
    return signature_id


def checks_left():
    return db.session.scalar(select(func.count()).select_from(OrganisationCheck))


def test_withdrawal_deletes_the_register_check(app, petition):
    signature_id = with_check(signature_with_every_personal_column(petition), petition)
    token = links.withdraw_token(db.session.get(Signature, signature_id))
    assert withdrawal.withdraw(token).outcome == "withdrawn"
    assert checks_left() == 0


def test_retention_deletes_the_register_check(app, petition):
    with_check(signature_with_every_personal_column(petition), petition)
    petition.state = "closed"
    petition.closes_at = utcnow() - timedelta(days=petition.retention_days + 1)
    db.session.commit()
    assert retention.erase_expired() == 1
    assert checks_left() == 0


def test_a_deleted_signature_takes_its_register_check_along(app, petition):
    """ON DELETE CASCADE, enforced by SQLite too (petition/sqlite.py)."""
    signature_id = with_check(signature_with_every_personal_column(petition), petition)
    other = add_signature(petition, siren="732829320")
    with_check(other.id, petition)
    db.session.execute(delete(Signature).where(Signature.id == signature_id))
    db.session.commit()
    assert checks_left() == 1
