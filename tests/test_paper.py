"""Paper signatures (issue 14, item 4): recorded one by one or from a CSV,
counted apart ("dont N sur papier" on every count), deduplicated against the
online ones, exported with their source, withdrawn or invalidated with the
same guarded counts, and a printable A4 sheet."""

import codecs
import csv
import io

from sqlalchemy import select

from petition.extensions import db
from petition.forms import paper_csv
from petition.models import AuditEvent, Petition, Signature
from petition.services import moderation, paper, reconcile, sweeper

from helpers import (
    add_signature,
    csrf,
    csrf_from,
    export,
    login,
    make_lyon,
    make_organizer,
    post_signature,
    reread,
)

BASE = "/organizer/petitions/saint-etienne/paper"
FR_HEADER = (
    "Référence feuille;Prénom;Nom;E-mail;Code postal;Commune;Catégorie;"
    "Organisation;SIREN;Date de collecte;Événement"
)


def one(**overrides):
    data = {
        "sheet_ref": "F1-L1",
        "collected_on": "2026-11-20",
        "event_name": "Tech Days",
        "first_name": "Louise",
        "last_name": "Bernard",
        "email": "",
        "postal_code": "42000",
        "commune": "",
        "category": "student",
        "organisation": "",
        "siren": "",
    }
    data.update(overrides)
    return data


def organiser(client, petition):
    make_organizer("chef@example.org", [petition])
    login(client, "chef@example.org")


def record(client, **overrides):
    token = csrf(client, BASE)
    return client.post(BASE, data={**one(**overrides), "csrf_token": token})


def csv_file(*lines, header=FR_HEADER):
    return ("\ufeff" + "\r\n".join((header, *lines)) + "\r\n").encode()


def upload(client, body, name="tech-days.csv", **fields):
    token = csrf(client, BASE)
    # The import form's fields are prefixed (two forms on one page), its token too.
    fields = {f"import-{key}": value for key, value in fields.items()}
    data = {"import-csrf_token": token, "import-csv_file": (io.BytesIO(body), name), **fields}
    return client.post(BASE + "/import", data=data, content_type="multipart/form-data")


def counts(petition):
    row = reread(Petition, petition.id)
    return row.signature_count, row.paper_count, row.local_count


def paper_rows():
    return db.session.scalars(
        select(Signature).where(Signature.source == "paper").order_by(Signature.id)
    ).all()


def test_recording_one_paper_signature_counts_it_apart(client, petition):
    organiser(client, petition)
    page = client.get(BASE)
    assert page.status_code == 200 and 'type="date"' in page.get_data(as_text=True)
    response = record(client, sheet_ref="f12 - l3")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert counts(petition) == (1, 1, 1)
    (row,) = paper_rows()
    assert (row.state, row.sheet_ref, row.event_name) == ("verified", "F12-L3", "Tech Days")
    assert row.collected_on.isoformat() == "2026-11-20" and row.email is None
    assert "1 signature papier enregistrée." in client.get(BASE).get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "paper-record")).all()
    assert [e.subject for e in events] == ["F12-L3"]
    log = client.get("/organizer/petitions/saint-etienne/access").get_data(as_text=True)
    assert "Signature papier F12-L3 enregistrée par chef@example.org (1 comptée)" in log
    again = record(client, sheet_ref="F12-L3", first_name="Autre")
    assert again.status_code == 400
    assert "la référence F12-L3 est déjà enregistrée" in again.get_data(as_text=True)
    assert counts(petition) == (1, 1, 1)


def test_bad_paper_input_gets_clear_messages_and_writes_nothing(client, petition):
    organiser(client, petition)
    response = record(client, sheet_ref="", collected_on="2999-01-01", postal_code="4200")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Indiquez la référence de la feuille." in page
    assert "La date de collecte ne peut pas être dans le futur." in page
    assert "Le code postal doit comporter 5 chiffres" in page
    assert paper_rows() == [] and counts(petition) == (0, 0, 0)


def test_csv_import_with_a_duplicate_of_an_online_signer_flags_it_and_counts_it_once(
    client, petition, confirm_via_email
):
    post_signature(client, email="jeandupont@gmail.com")
    confirm_via_email()
    assert counts(petition) == (1, 0, 1)
    organiser(client, petition)
    body = csv_file(
        "F2-L1;Jean;Dupont;Jean.Dupont+salon@gmail.com;42000;;Développeur·se;;;20/11/2026;",
        "F2-L2;Zoé;Martin;;42700;Firminy;student;;;;",
    )
    response = upload(client, body, event_name="Tech Days", collected_on="2026-11-21")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert counts(petition) == (2, 1, 2), "the online signer counts once"
    duplicate, other = paper_rows()
    assert (duplicate.state, duplicate.paper_review) == ("invalidated", "email")
    assert duplicate.duplicate_of_id is not None and duplicate.canonical_email is None
    assert (other.state, other.paper_review, other.commune) == ("verified", None, "Firminy")
    assert duplicate.collected_on.isoformat() == "2026-11-20", "the file's own date wins"
    assert (other.event_name, other.collected_on.isoformat()) == ("Tech Days", "2026-11-21")
    page = client.get(BASE).get_data(as_text=True)
    assert "1 doublon d’une signature existante (même e-mail) : non compté." in page
    assert f"Doublon de la signature n° {duplicate.duplicate_of_id}" in page
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "paper-import"))
    assert event.subject == "tech-days.csv"
    # Signing online later with a paper signer's address is "already signed".
    later = csv_file("F2-L3;Ana;Lopes;ana@example.org;42000;;student;;;20/11/2026;x")
    assert upload(client, later).status_code == 303
    post_signature(client, email="ana@example.org")
    assert counts(petition) == (3, 2, 3)


def test_same_name_and_postal_code_is_flagged_and_the_organiser_decides(client, petition):
    add_signature(petition, first_name="Louise", last_name="Bernard", postal_code="42000")
    organiser(client, petition)
    assert record(client, first_name="louise", last_name="BERNARD").status_code == 303
    assert counts(petition) == (2, 1, 2), "counted, for the organiser to decide"
    (row,) = paper_rows()
    assert row.paper_review == "name"
    page = client.get(BASE).get_data(as_text=True)
    assert "1 signature à vérifier" in page and "À vérifier : même nom et code postal" in page
    token = csrf(client, BASE)
    kept = client.post(f"{BASE}/{row.id}/keep", data={"csrf_token": token})
    assert kept.status_code == 303
    assert reread(Signature, row.id).paper_review is None
    assert "À vérifier :" not in client.get(BASE).get_data(as_text=True)


def test_an_invalid_csv_row_writes_nothing_and_names_the_line(client, petition):
    organiser(client, petition)
    record(client, sheet_ref="F1-L1")
    body = csv_file(
        "F3-L1;Ana;Lopes;;42000;;student;;;20/11/2026;Meetup",
        "F3-L2;Ana;Lopes;;4200;;student;;;20/11/2026;Meetup",
        "F3-L3;Paul;Roux;;42000;;astronaute;;;20/11/2026;Meetup",
        "F3-L1;Léa;Petit;;42000;;student;;;20/11/2026;Meetup",
    )
    response = upload(client, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ligne 3 : Code postal : Le code postal doit comporter 5 chiffres" in page
    assert "Ligne 4 : Vous êtes : Choisissez une catégorie dans la liste." in page
    assert "Ligne 5 : la référence F3-L1 figure déjà ligne 2." in page
    assert counts(petition) == (1, 1, 1) and len(paper_rows()) == 1
    # A reference already in the database: the line is named, nothing written.
    taken = upload(
        client,
        csv_file(
            "F3-L9;Ana;Lopes;;42000;;student;;;20/11/2026;M",
            "F1-L1;Léa;Petit;;42000;;student;;;20/11/2026;M",
        ),
    )
    assert taken.status_code == 400
    assert "Ligne 3 : la référence F1-L1 est déjà enregistrée." in taken.get_data(as_text=True)
    assert len(paper_rows()) == 1
    missing = upload(client, csv_file("x;y", header="Prénom;Nom"))
    assert "Colonnes manquantes : Référence feuille, Code postal, Catégorie" in missing.get_data(
        as_text=True
    )
    latin1 = upload(client, FR_HEADER.encode("latin-1"))
    assert "Le fichier doit être un CSV en UTF-8" in latin1.get_data(as_text=True)
    assert len(paper_rows()) == 1 and counts(petition) == (1, 1, 1)


def test_english_headers_and_category_names_import_too(client, petition):
    organiser(client, petition)
    header = (
        "Sheet reference,First name,Last name,Email,Postal code,Commune,Category,"
        "Organisation,SIREN,Collected on,Event"
    )
    body = csv_file(
        "F9-L1,Ana,Lopes,ana@example.org,42000,,Student,,,2026-11-20,Meetup",
        "F9-L2,Ana,Lopes,,42000,,Student,,,2026-11-20,Meetup",
        "F9-L3,Ana,Lopes,ANA@example.org,42000,,Student,,,2026-11-20,Meetup",
        header=header,
    )
    assert upload(client, body).status_code == 303
    first, same_name, same_email = paper_rows()
    assert (first.category, first.event_name, first.paper_review) == ("student", "Meetup", None)
    assert (same_name.paper_review, same_name.duplicate_of_id) == ("name", first.id)
    assert (same_email.paper_review, same_email.duplicate_of_id) == ("email", first.id)
    assert (
        same_email.invalidation_reason
        == f"Doublon de la signature n° {first.id} (même adresse e-mail)"
    )
    assert counts(petition) == (2, 2, 2), "within one file too, an address counts once"


def test_paper_counts_move_with_invalidation_restore_and_withdrawal(client, petition):
    organiser(client, petition)
    record(client, sheet_ref="F1-L1")
    record(client, sheet_ref="F1-L2", first_name="Zoé", postal_code="42700")
    first, second = paper_rows()
    assert counts(petition) == (2, 2, 2)
    action = moderation.invalidate(petition, moderation.Rule(signature_id=first.id), "x", "cli")
    assert counts(petition) == (1, 1, 1)
    moderation.restore(petition, action.id, "vérifiée", "cli")
    assert counts(petition) == (2, 2, 2)
    token = csrf(client, BASE)
    withdrawn = client.post(f"{BASE}/{second.id}/withdraw", data={"csrf_token": token})
    assert withdrawn.status_code == 303
    assert counts(petition) == (1, 1, 1)
    row = reread(Signature, second.id)
    assert (row.state, row.first_name, row.sheet_ref) == ("withdrawn", None, "F1-L2")
    again = client.post(f"{BASE}/{second.id}/withdraw", data={"csrf_token": token})
    assert again.status_code == 303 and counts(petition) == (1, 1, 1)
    assert reconcile.reconcile_petition(petition.id) is None, "the counts are exact"
    db.session.execute(db.update(Petition).values(paper_count=7))
    db.session.commit()
    repair = reconcile.reconcile_petition(petition.id)
    assert (repair.stored_paper, repair.actual_paper) == (7, 1)
    assert counts(petition) == (1, 1, 1)


def test_dont_n_sur_papier_on_the_page_api_embed_badge_and_results(client, petition):
    organiser(client, petition)
    add_signature(petition)
    assert "sur papier" not in client.get("/p/saint-etienne").get_data(as_text=True)
    record(client, sheet_ref="F1-L1")
    record(client, sheet_ref="F1-L2", first_name="Zoé")
    said = "(dont 2 sur papier)"
    assert said in client.get("/p/saint-etienne").get_data(as_text=True)
    assert said in client.get("/embed/saint-etienne").get_data(as_text=True)
    assert said in client.get("/badge/saint-etienne.svg?lang=fr").get_data(as_text=True)
    assert said in client.get("/p/saint-etienne/resultats").get_data(as_text=True)
    assert said in client.get("/").get_data(as_text=True)
    english = client.get("/p/saint-etienne?lang=en").get_data(as_text=True)
    assert "(including 2 on paper)" in english
    count = client.get("/api/v1/petitions/saint-etienne/count").get_json()
    assert (count["signature_count"], count["paper_count"], count["paper_included"]) == (
        3,
        2,
        True,
    )
    detail = client.get("/api/v1/petitions/saint-etienne").get_json()
    assert (detail["signature_count"], detail["paper_count"]) == (3, 2)
    results = client.get("/api/v1/petitions/saint-etienne/results").get_json()
    assert results["paper_count"] == 2


def test_export_carries_the_source(client, petition):
    organiser(client, petition)
    add_signature(petition, first_name="En", last_name="Ligne")
    record(client, sheet_ref="F4-L2", event_name="=Meetup")
    body = export(client).get_data()
    rows = list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode()), delimiter=";"))
    header = rows[0]
    cells = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(c["prenom"], c["origine"], c["reference_feuille"]) for c in cells] == [
        ("En", "en ligne", ""),
        ("Louise", "papier", "F4-L2"),
    ]
    assert cells[1]["recueillie_le"] == "2026-11-20"
    assert cells[1]["evenement"] == "'=Meetup", "the formula guard covers the event"


def test_the_sheet_and_the_template_download(client, petition):
    organiser(client, petition)
    sheet = client.get(BASE + "/sheet")
    page = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and sheet.mimetype == "text/html"
    assert "Saint-Étienne French Tech" in page and "<strong>Saint-Étienne</strong>" in page
    assert "Responsable du traitement" in page and "Durée de conservation" in page
    for column in ("Prénom", "Nom", "Code postal", "Signature", "Étudiant·e"):
        assert column in page
    css = client.get("/static/css/paper.css").get_data(as_text=True)
    assert "@page" in css and "A4" in css
    template = client.get(BASE + "/template.csv")
    assert template.mimetype == "text/csv"
    assert template.get_data() == codecs.BOM_UTF8 + (FR_HEADER + "\r\n").encode()
    english = client.get(BASE + "/template.csv?lang=en").get_data().decode("utf-8-sig")
    assert english.startswith("Sheet reference;First name;")


def test_another_petition_s_organiser_sees_nothing(client, petition):
    make_lyon()
    lyon = db.session.scalar(select(Petition).where(Petition.slug == "lyon"))
    make_organizer("lyon@example.org", [lyon])
    login(client, "lyon@example.org")
    assert client.get(BASE).status_code == 404
    assert client.get(BASE + "/sheet").status_code == 404
    assert client.get(BASE + "/template.csv").status_code == 404
    page = client.get("/organizer/petitions/lyon/paper")
    token = csrf_from(page.get_data(as_text=True))
    signature = add_signature(petition, source="paper", sheet_ref="F1-L1")
    refused = client.post(
        f"/organizer/petitions/lyon/paper/{signature.id}/withdraw", data={"csrf_token": token}
    )
    assert refused.status_code == 303
    assert reread(Signature, signature.id).state == "verified"


def test_the_service_refuses_a_row_of_another_source(app, petition):
    online = add_signature(petition)
    try:
        paper.keep(petition, online.id, "cli")
    except paper.PaperError as exc:
        assert "introuvable" in str(exc)
    else:
        raise AssertionError("an online signature is no paper row")


def test_the_sweeper_never_emails_a_paper_signer(client, petition, run_jobs, smtp_sink):
    organiser(client, petition)
    record(client, email="louise@example.org")
    assert sweeper.sweep() == 0
    run_jobs()
    assert not [m for m in smtp_sink.messages if "louise@example.org" in m["To"]]


def test_a_file_over_the_row_limit_writes_nothing(client, petition, monkeypatch):
    monkeypatch.setattr(paper_csv, "MAX_ROWS", 2)
    organiser(client, petition)
    rows = [f"F5-L{n};Ana;Lopes{n};;42000;;student;;;20/11/2026;M" for n in range(1, 4)]
    response = upload(client, csv_file(*rows))
    assert response.status_code == 400
    assert "Ligne 4 : Plus de 2 lignes : découpez le fichier." in response.get_data(as_text=True)
    assert paper_rows() == []
