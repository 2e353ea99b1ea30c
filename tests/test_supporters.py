"""The public supporters list: only verified signers who opted in, no email,
names escaped, counts by category on top, paginated."""

from sqlalchemy import update

from petition.extensions import db
from petition.models import Signature
from petition.services import supporters

from helpers import post_signature


def sign_and_confirm(client, confirm_via_email, email, **fields):
    post_signature(client, email=email, **fields)
    confirm_via_email(to=email)


def test_only_verified_opted_in_signers_are_listed(client, petition, confirm_via_email):
    sign_and_confirm(
        client,
        confirm_via_email,
        "alice@example.org",
        first_name="Alice",
        last_name="Visible",
        public="y",
        organisation="Alpha SAS",
        category="entrepreneur",
    )
    sign_and_confirm(
        client,
        confirm_via_email,
        "bob@example.org",
        first_name="Bob",
        last_name="Discret",
        category="entrepreneur",
    )
    post_signature(
        client, email="carol@example.org", first_name="Carol", last_name="Pending", public="y"
    )  # never confirmed
    html = client.get("/p/saint-etienne/supporters").get_data(as_text=True)
    assert "Alice Visible" in html and "Alpha SAS" in html
    assert "Entrepreneur ou startup" in html and "Saint-Étienne" in html
    assert "Discret" not in html, "did not opt in"
    assert "Pending" not in html, "not verified"
    assert "@" not in html.split("<main", 1)[1].split("</main>", 1)[0], "no email ever"
    assert "2 entrepreneurs ou startups" in html, "counts cover every verified signer"
    assert "1 soutien vérifié a choisi" in html


def test_withdrawn_signer_disappears(client, petition, confirm_via_email):
    sign_and_confirm(
        client,
        confirm_via_email,
        "alice@example.org",
        first_name="Alice",
        last_name="Partie",
        public="y",
    )
    db.session.execute(update(Signature).values(state="withdrawn"))
    db.session.commit()
    assert "Partie" not in client.get("/p/saint-etienne/soutiens").get_data(as_text=True)


def test_names_are_escaped(client, petition, confirm_via_email):
    sign_and_confirm(
        client,
        confirm_via_email,
        "x@example.org",
        first_name="<script>",
        last_name="alert(1)</script>",
        public="y",
        organisation="<b>Org</b>",
    )
    html = client.get("/p/saint-etienne/supporters").get_data(as_text=True)
    assert "<script>" not in html.split("<main", 1)[1]
    assert "&lt;script&gt; alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Org&lt;/b&gt;" in html


def test_french_alias_and_english_page(client, petition, confirm_via_email):
    sign_and_confirm(client, confirm_via_email, "a@example.org", public="y", category="association")
    fr = client.get("/p/saint-etienne/soutiens").get_data(as_text=True)
    assert "1 association" in fr and "Jean Dupont" in fr
    en = client.get("/p/saint-etienne/supporters?lang=en").get_data(as_text=True)
    assert "1 non-profit organisation" in en and "Non-profit organisation" in en
    assert "1 verified supporter chose to appear on this list." in en


def test_pagination_and_bad_page_numbers(app, client, petition):
    for i in range(3):
        db.session.add(
            Signature(
                petition_id=petition.id,
                state="verified",
                first_name=f"P{i}",
                last_name="Nom",
                email=f"p{i}@example.org",
                canonical_email=f"p{i}@example.org",
                category="student",
                public=True,
                postal_code="42000",
            )
        )
    db.session.commit()
    with app.test_request_context("/"):
        first = supporters.page(petition.id, 1, per_page=2)
        assert (len(first.rows), first.pages, first.listed) == (2, 2, 3)
        assert len(supporters.page(petition.id, 2, per_page=2).rows) == 1
    for bad in ("abc", "-3", "0", "99999999999"):
        response = client.get(f"/p/saint-etienne/supporters?page={bad}")
        assert response.status_code == 200, bad


def test_unknown_or_draft_petition_is_404(client, petition):
    assert client.get("/p/nope/supporters").status_code == 404
    petition.state = "draft"
    db.session.commit()
    assert client.get("/p/saint-etienne/soutiens").status_code == 404
