"""Migration 0010 maps the hand-typed communes of existing petitions to official
INSEE codes by name and postal code, reports what it cannot map and drops nothing.
On SQLite, or on a database of its own on the PostgreSQL server of DATABASE_URL."""

import os
import secrets

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, make_url, text

from petition import create_app
from petition.config import _database_url
from petition.extensions import db

BEFORE = "0009_f14n_news"


@pytest.fixture
def blank_app(tmp_path):
    url = os.environ.get("DATABASE_URL")
    admin = None
    if url:
        server_url = make_url(_database_url(url, None))
        name = f"petition_mig_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server_url.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rows(sql, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def run(sql, **params):
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_hand_typed_communes_become_official_areas(blank_app, capsys):
    upgrade(revision=BEFORE)
    run(
        "INSERT INTO petitions (id, slug, title, description, territory, goal, state,"
        " signature_count, controller_name, controller_email, controller_address,"
        " retention_days, created_at, updated_at) VALUES (1, 'azur', 'A', '', 'Azur', 10,"
        " 'open', 0, '', '', '', 365, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    typed = [
        ("Nice", "06000"),
        ("Nice", "06100"),
        ("Sophia Antipolis", "06560"),  # no commune has that name: reported, kept
        ("Lyon", "69003"),  # an arrondissement's postal code: the city
        ("saint-etienne", "42100"),  # case and accents do not matter
    ]
    for n, (name, postal) in enumerate(typed, 1):
        run(
            "INSERT INTO communes (id, petition_id, name, postal_code) VALUES (:i, 1, :n, :p)",
            i=n,
            n=name,
            p=postal,
        )
    upgrade(revision="heads")
    out = capsys.readouterr().out
    assert "territory of azur: « Sophia Antipolis » 06560 matches no official commune; kept" in out
    assert "4 communes mapped, 1 kept unmapped" in out
    areas = rows("SELECT kind, code FROM territory_areas WHERE petition_id = 1 ORDER BY code")
    assert [tuple(a) for a in areas] == [
        ("commune", "06088"),
        ("commune", "42218"),
        ("commune", "69123"),
    ]
    communes = rows("SELECT name, postal_code, insee FROM communes ORDER BY id")
    assert [tuple(c) for c in communes] == [
        ("Nice", "06000", "06088"),
        ("Nice", "06100", "06088"),
        ("Sophia Antipolis", "06560", None),
        ("Lyon", "69003", "69123"),
        ("saint-etienne", "42100", "42218"),
    ]
    downgrade(revision=BEFORE)
    assert len(rows("SELECT id FROM communes")) == 5, "nothing dropped"
    downgrade(revision="base")


def add_petition(pid, slug):
    run(
        "INSERT INTO petitions (id, slug, title, description, territory, goal, state,"
        " signature_count, controller_name, controller_email, controller_address,"
        " retention_days, created_at, updated_at) VALUES (:i, :s, 'A', '', 'T', 10,"
        " 'open', 0, '', '', '', 365, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        i=pid,
        s=slug,
    )


def add_row(n, postal, commune, state="verified"):
    run(
        "INSERT INTO signatures (id, petition_id, status, email, canonical_email, postal_code,"
        " commune, category, public, locale, flagged, email_count, created_at, token_nonce)"
        " VALUES (:n, 1, :state, :e, :e, :postal, :commune, 'developer', false, 'fr', false,"
        " 1, CURRENT_TIMESTAMP, :e)",
        n=n,
        state=state,
        e=f"p{n}@example.org",
        postal=postal,
        commune=commune,
    )


def test_existing_signatures_are_placed_from_their_postal_code(blank_app, capsys):
    upgrade(revision="0010_f11_territory_areas")
    add_petition(1, "saint-etienne")
    run("INSERT INTO territory_areas (petition_id, kind, code) VALUES (1, 'epci', '244200770')")
    typed = {
        1: ("42000", "Saint-Étienne"),  # local, Saint-Étienne
        2: ("42000", "Saint-Étienne"),
        3: ("75001", None),  # outside, Paris 1er
        4: ("42160", "Bonson"),  # shared code, named: outside
        5: ("42160", None),  # shared code, inside and outside, none named: reported
        6: ("42000", "Firminy"),  # contradiction: placed by postal code, reported
        7: ("99999", "Nulle part"),  # no commune: outside, reported
        8: (None, None),  # erased long ago: left unplaced
    }
    for n, (postal, commune) in typed.items():
        add_row(n, postal, commune)
    upgrade(revision="heads")
    out = capsys.readouterr().out
    placed = {r.id: (r.insee, r.local) for r in rows_of()}
    assert placed == {
        1: ("42218", True),
        2: ("42218", True),
        3: ("75101", False),
        4: ("42022", False),
        5: (None, False),
        6: ("42218", True),
        7: (None, False),
        8: (None, None),
    }
    communes = {r.id: r.commune for r in rows("SELECT id, commune FROM signatures")}
    assert (communes[1], communes[3], communes[5], communes[6]) == (
        "Saint-Étienne",
        "Paris 1er Arrondissement",
        None,
        "Saint-Étienne",  # was "Firminy", contradicting 42000
    )
    assert "saint-etienne, 42160 (1): shared by communes inside and outside" in out
    assert "42000 « Firminy » (1): the commune named is not Saint-Étienne" in out
    assert "99999 « Nulle part » (1): no commune has this postal code: counted outside" in out
    assert "signatures placed: 7 rows, 3 groups reported" in out
    assert rows("SELECT signature_count, local_count FROM petitions")[0].local_count == 3
    downgrade(revision="0010_f11_territory_areas")
    assert len(rows("SELECT id FROM signatures")) == 8, "nothing dropped"


def rows_of():
    return rows("SELECT id, insee, local FROM signatures ORDER BY id")
