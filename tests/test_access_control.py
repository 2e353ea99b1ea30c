"""Taking access away (issue 14, item 2): deactivation ends open sessions at
their next request, removal from one petition, the `flask organizer` commands
(exit codes, --json), and one audit log per petition (page, CSV, retention)."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from petition.extensions import db
from petition.models import AuditEvent, Organizer

from helpers import (
    PASSWORD,
    add_signature,
    csrf,
    export,
    link_in,
    login,
    make_lyon,
    make_organizer,
    reread,
)

DASHBOARD = "/organizer/petitions/saint-etienne/"
ACCESS = "/organizer/petitions/saint-etienne/access"


def logged_in(app, email, password=PASSWORD):
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def post(client, url, page="/organizer/", **data):
    return client.post(url, data={"csrf_token": csrf(client, page), **data})


def audit_kinds(petition):
    rows = db.session.scalars(
        select(AuditEvent.kind)
        .where(AuditEvent.petition_id == petition.id)
        .order_by(AuditEvent.id)
        .execution_options(populate_existing=True)
    ).all()
    return list(rows)


def test_deactivated_organizer_open_session_is_refused_at_next_request(app, petition):
    make_organizer("admin@example.org", admin=True)
    marie = make_organizer("marie@example.org", [petition])
    admin = logged_in(app, "admin@example.org")
    session = logged_in(app, "marie@example.org")
    assert session.get(DASHBOARD).status_code == 200

    done = post(
        admin,
        f"/organizer/admin/organizers/{marie.id}/deactivate",
        page="/organizer/admin/organizers",
    )
    assert done.status_code == 303
    page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "Compte de marie@example.org désactivé" in page
    assert not reread(Organizer, marie.id).active

    refused = session.get(DASHBOARD)
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/organizer/login")
    assert login(app.test_client(), "marie@example.org").status_code == 400

    post(
        admin,
        f"/organizer/admin/organizers/{marie.id}/activate",
        page="/organizer/admin/organizers",
    )
    assert reread(Organizer, marie.id).active
    assert session.get(DASHBOARD).status_code == 302, "reactivation revives no old session"
    assert logged_in(app, "marie@example.org").get(DASHBOARD).status_code == 200
    kinds = audit_kinds(petition)
    assert "deactivated" in kinds and "activated" in kinds


def test_remember_me_cookie_is_refused_after_deactivation(app, petition, runner):
    make_organizer("marie@example.org", [petition])
    client = app.test_client()
    page = client.get("/organizer/login")
    from helpers import csrf_from

    client.post(
        "/organizer/login",
        data={
            "email": "marie@example.org",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")  # only the remember-me cookie left
    assert client.get(DASHBOARD).status_code == 200
    assert runner.invoke(args=["organizer", "deactivate", "marie@example.org"]).exit_code == 0
    client.delete_cookie("session")
    assert client.get(DASHBOARD).status_code == 302


def test_admin_cannot_deactivate_itself_and_others_see_no_admin_page(app, petition):
    me = make_organizer("admin@example.org", admin=True)
    make_organizer("marie@example.org", [petition])
    admin = logged_in(app, "admin@example.org")
    done = post(
        admin, f"/organizer/admin/organizers/{me.id}/deactivate", page="/organizer/admin/organizers"
    )
    assert "Vous ne pouvez pas désactiver votre propre compte" in admin.get(
        done.headers["Location"]
    ).get_data(as_text=True)
    assert reread(Organizer, me.id).active

    marie = logged_in(app, "marie@example.org")
    attempt = post(marie, f"/organizer/admin/organizers/{me.id}/deactivate")
    assert attempt.status_code == 404 and reread(Organizer, me.id).active
    assert admin.post(f"/organizer/admin/organizers/{me.id}/deactivate").status_code == 400


def test_co_organizer_removes_a_colleague_who_loses_access_at_once(app, petition):
    lyon = make_lyon()
    make_organizer("chef@example.org", [petition])
    paul = make_organizer("paul@example.org", [petition, lyon])
    chef = logged_in(app, "chef@example.org")
    session = logged_in(app, "paul@example.org")
    assert session.get(DASHBOARD).status_code == 200

    page = chef.get(ACCESS).get_data(as_text=True)
    assert "paul@example.org" in page
    done = post(chef, f"{ACCESS.rsplit('/', 1)[0]}/organizers/{paul.id}/remove", page=ACCESS)
    assert done.status_code == 303
    assert "paul@example.org n’a plus accès" in chef.get(done.headers["Location"]).get_data(
        as_text=True
    )
    assert session.get(DASHBOARD).status_code == 404
    assert session.get("/organizer/petitions/lyon/").status_code == 200, "only that petition"
    assert "paul@example.org a été" not in chef.get(ACCESS).get_data(as_text=True)

    stranger = logged_in(app, "paul@example.org")
    assert (
        post(
            stranger, f"/organizer/petitions/saint-etienne/organizers/{paul.id}/remove"
        ).status_code
        == 404
    ), "a removed organizer cannot act on the petition any more"
    log = chef.get(ACCESS).get_data(as_text=True)
    assert "chef@example.org a retiré l’accès de paul@example.org" in log


def test_audit_log_records_every_kind_of_action(app, petition, smtp_sink, run_jobs):
    make_organizer("chef@example.org", [petition])
    make_organizer("collegue@example.org")
    signature = add_signature(petition)

    assert login(app.test_client(), "chef@example.org", "wrong password!!").status_code == 400
    chef = logged_in(app, "chef@example.org")
    post(
        chef,
        "/organizer/petitions/saint-etienne/invite",
        page=DASHBOARD,
        email="collegue@example.org",
    )
    run_jobs()
    path = link_in(smtp_sink.messages[-1], "/organizer/access/")
    collegue = logged_in(app, "collegue@example.org")
    assert collegue.get(DASHBOARD).status_code == 404, "an existing account must accept first"
    post(collegue, path, page=path, action="accept")
    assert collegue.get(DASHBOARD).status_code == 200

    assert export(chef, delimiter=";").status_code == 200
    post(
        chef,
        f"/organizer/petitions/saint-etienne/signatures/{signature.id}/invalidate",
        page="/organizer/petitions/saint-etienne/moderation",
        reason="=rafale suspecte",
    )

    assert audit_kinds(petition) == [
        "login-failed",
        "login",
        "access-offered",
        "access-granted",  # collegue's login went to no petition's log: it had none yet
        "export",
        "invalidate",
    ]
    page = chef.get(ACCESS).get_data(as_text=True)
    for sentence in (
        "Échec de connexion pour chef@example.org : mot de passe incorrect",
        "Connexion de chef@example.org",
        "chef@example.org a invité collegue@example.org, qui doit accepter l’invitation",
        "collegue@example.org a accepté l’invitation",
        "Export CSV par chef@example.org, séparateur point-virgule, 1 ligne, empreinte ",
        f"Signature n° {signature.id} invalidée par chef@example.org : =rafale suspecte",
    ):
        assert sentence in page, sentence
    assert "{" not in page.split("Journal d’audit")[1], "no JSON on the page"

    response = chef.get("/organizer/petitions/saint-etienne/audit.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0] == ["date_utc", "actor", "kind", "subject", "event"]
    assert len(rows) == 7
    invalidation = rows[1]
    assert invalidation[2] == "invalidate"
    assert invalidation[4].startswith("Signature n°")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    outsider = make_organizer("autre@example.org", [make_lyon()])
    assert outsider.id
    other = logged_in(app, "autre@example.org")
    assert other.get(ACCESS).status_code == 404
    assert other.get("/organizer/petitions/saint-etienne/audit.csv").status_code == 404


def test_audit_lines_go_after_the_retention_delay(app, petition, runner):
    make_organizer("chef@example.org", [petition])
    logged_in(app, "chef@example.org")
    old = AuditEvent(
        petition_id=petition.id,
        actor="chef@example.org",
        kind="login",
        details="{}",
        created_at=datetime.now(UTC) - timedelta(days=400),
    )
    db.session.add(old)
    db.session.commit()
    assert len(audit_kinds(petition)) == 2
    result = runner.invoke(args=["privacy", "purge-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 audit log line(s)." in result.output
    assert len(audit_kinds(petition)) == 1
    app.config["AUDIT_RETENTION_DAYS"] = 0
    from petition.services import audit

    assert audit.purge() == 1


# --- the CLI -----------------------------------------------------------------


def test_cli_deactivate_ends_the_session_and_answers_in_json(app, petition, runner):
    make_organizer("marie@example.org", [petition])
    session = logged_in(app, "marie@example.org")

    result = runner.invoke(args=["organizer", "deactivate", "Marie@example.org", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["changed"] is True and data["active"] is False
    assert data["email"] == "marie@example.org" and data["petitions"] == ["saint-etienne"]
    assert session.get(DASHBOARD).status_code == 302

    again = runner.invoke(args=["organizer", "deactivate", "marie@example.org"])
    assert again.exit_code == 0 and "already inactive" in again.output
    back = runner.invoke(args=["organizer", "activate", "marie@example.org"])
    assert back.exit_code == 0 and "Reactivated marie@example.org" in back.output
    (line,) = [e for e in db.session.scalars(select(AuditEvent)).all() if e.kind == "deactivated"]
    assert line.actor == "cli" and line.subject == "marie@example.org"


def test_cli_grant_remove_and_list(app, petition, runner):
    lyon = make_lyon()
    make_organizer("paul@example.org", [petition])

    granted = runner.invoke(args=["organizer", "grant", "paul@example.org", "--petition", "lyon"])
    assert granted.exit_code == 0, granted.output
    assert "Granted paul@example.org access on lyon" in granted.output
    assert lyon.id in [p.id for p in reread(Organizer, _id("paul@example.org")).petitions]

    listed = runner.invoke(args=["organizer", "list", "--json"])
    assert listed.exit_code == 0
    (row,) = json.loads(listed.output)["organizers"]
    assert row["petitions"] == ["lyon", "saint-etienne"] and row["active"] is True
    assert "paul@example.org\torganizer\tactive" in runner.invoke(args=["organizer", "list"]).output

    removed = runner.invoke(
        args=["organizer", "remove", "paul@example.org", "--petition", "saint-etienne", "--json"]
    )
    assert removed.exit_code == 0 and json.loads(removed.output)["petitions"] == ["lyon"]
    twice = runner.invoke(
        args=["organizer", "remove", "paul@example.org", "--petition", "saint-etienne"]
    )
    assert twice.exit_code == 0 and "had no access" in twice.output
    only = runner.invoke(args=["organizer", "list", "--petition", "saint-etienne", "--json"])
    assert json.loads(only.output) == {"organizers": []}
    assert audit_kinds(petition) == ["access-removed"]


def test_cli_errors_have_exit_codes(app, petition, runner):
    unknown = runner.invoke(args=["organizer", "deactivate", "nobody@example.org"])
    assert unknown.exit_code == 1 and "Aucun compte organisateur" in unknown.output
    as_json = runner.invoke(args=["organizer", "activate", "nobody@example.org", "--json"])
    assert as_json.exit_code == 1 and "error" in json.loads(as_json.output)
    make_organizer("paul@example.org", [petition])
    no_petition = runner.invoke(args=["organizer", "grant", "paul@example.org", "--petition", "x"])
    assert no_petition.exit_code == 1 and "Pétition inconnue" in no_petition.output
    usage = runner.invoke(args=["organizer", "remove", "paul@example.org"])
    assert usage.exit_code == 2 and "--petition" in usage.output
    assert runner.invoke(args=["organizer", "list", "--petition", "x"]).exit_code == 1
    helped = runner.invoke(args=["organizer", "--help"])
    for command in ("list", "deactivate", "activate", "remove", "grant"):
        assert command in helped.output


def _id(email):
    return db.session.scalar(select(Organizer.id).where(Organizer.email == email))


def test_administrators_see_the_lines_of_no_petition(app, petition):
    make_organizer("admin@example.org", admin=True)
    logged_in(app, "admin@example.org")  # organizes no petition: a line of no petition
    page = logged_in(app, "admin@example.org").get("/organizer/admin/organizers")
    assert "Connexion de admin@example.org" in page.get_data(as_text=True)
