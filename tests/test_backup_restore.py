"""Backups restore into a working site, and a restore does not bring back the
data of signers who withdrew after the backup (docs/operations.md, Backups).

On PostgreSQL: `pg_dump -Fc` of the suite's database, `pg_restore` into a
fresh one. On SQLite: the online backup API (what `sqlite3 db ".backup f"`
does). Then an app on the restored database serves the count and the page,
and `flask privacy replay-erasures` takes the later withdrawals again.
"""

import io
import sqlite3
import subprocess
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from petition import create_app, links
from petition.extensions import db
from petition.models import Petition, Signature, SignatureState
from petition.services import erasure_log, withdrawal

from helpers import add_signature, app_settings


@contextmanager
def restored_copy(database_url, tmp_path):
    """A fresh database restored from a backup of `database_url` taken now."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        copy = tmp_path / "restored.db"
        source, target = sqlite3.connect(url.database), sqlite3.connect(copy)
        source.backup(target)
        source.close()
        target.close()
        yield f"sqlite:///{copy}"
        return
    dump = tmp_path / "petition.dump"
    plain = url.set(drivername="postgresql")
    server = plain.set(database="postgres")
    name = f"{url.database}_restored"
    conninfo = plain.render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), conninfo], check=True)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = server.set(database=name).render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", target, str(dump)], check=True
        )
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def app_on(url, redis_server, smtp_sink):
    app = create_app(app_settings(url, redis_server, smtp_sink))
    with app.app_context():
        app.extensions["redis"].flushall()  # Redis holds no source of truth
        yield app
        db.session.remove()
        db.engine.dispose()


def verified_rows(petition_id):
    return db.session.scalar(
        select(func.count()).where(
            Signature.petition_id == petition_id, Signature.state == SignatureState.VERIFIED
        )
    )


def withdraw(signature_id):
    withdrawal.withdraw(links.withdraw_token(db.session.get(Signature, signature_id)))


def test_a_backup_restores_into_a_site_that_serves_it(
    app, petition, database_url, redis_server, smtp_sink, tmp_path
):
    ids = [add_signature(petition).id for _ in range(5)]
    add_signature(petition, state="pending")
    withdraw(ids[0])  # before the backup: erased in it too
    db.session.remove()

    with (
        restored_copy(database_url, tmp_path) as url,
        app_on(url, redis_server, smtp_sink) as restored,
    ):
        petition_id = db.session.scalar(select(Petition.id).where(Petition.slug == "saint-etienne"))
        assert verified_rows(petition_id) == 4
        assert db.session.get(Petition, petition_id).signature_count == 4, "count = verified rows"
        assert db.session.get(Signature, ids[0]).email is None, "the erasure is in the backup"
        client = restored.test_client()
        count = client.get("/api/v1/petitions/saint-etienne/count")
        assert count.status_code == 200 and count.get_json()["signature_count"] == 4
        page = client.get("/p/saint-etienne")
        assert page.status_code == 200 and "Saint-Étienne" in page.get_data(as_text=True)


def test_a_restore_replays_the_withdrawals_made_after_the_backup(
    app, petition, database_url, redis_server, smtp_sink, tmp_path
):
    ids = [add_signature(petition).id for _ in range(3)]
    petition_id = petition.id
    with restored_copy(database_url, tmp_path) as url:  # the backup, taken now
        withdraw(ids[1])  # after the backup: logged, not in the backup
        log = io.StringIO()
        assert erasure_log.export(log) == 1
        db.session.remove()  # the test body's session holds no connection meanwhile
        with app_on(url, redis_server, smtp_sink) as restored:
            assert db.session.get(Signature, ids[1]).email is not None, "the backup predates it"
            path = tmp_path / "erasures.csv"
            path.write_text(log.getvalue(), encoding="utf-8")
            for _ in range(2):  # replaying twice changes nothing more
                result = restored.test_cli_runner().invoke(
                    args=["privacy", "replay-erasures", str(path)]
                )
                assert result.exit_code == 0, result.output
            assert "0 restored signature" in result.output
            db.session.expire_all()
            row = db.session.get(Signature, ids[1])
            assert row.email is None and row.first_name is None
            assert row.state == SignatureState.WITHDRAWN
            assert verified_rows(petition_id) == 2
            assert db.session.get(Petition, petition_id).signature_count == 2
            count = restored.test_client().get("/api/v1/petitions/saint-etienne/count")
            assert count.get_json()["signature_count"] == 2


def test_replay_refuses_a_file_that_is_not_an_erasure_log(app, runner, tmp_path):
    path = tmp_path / "not-a-log.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(args=["privacy", "replay-erasures", str(path)])
    assert result.exit_code != 0 and "is not an erasure log" in result.output


@pytest.mark.parametrize("since", [None, "2000-01-01"])
def test_the_erasure_log_holds_no_personal_data(app, petition, runner, since):
    signature = add_signature(petition, email="claire.martin@example.org", first_name="Claire")
    withdraw(signature.id)
    args = ["privacy", "erasures"] + (["--since", since] if since else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert str(signature.id) in result.output
    assert "claire" not in result.output.lower() and "example.org" not in result.output
