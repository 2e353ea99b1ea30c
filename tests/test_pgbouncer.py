"""PostgreSQL behind PgBouncer in transaction mode: psycopg 3 prepares a
statement on the server after five runs on a connection, and PgBouncer (before
1.21) hands the next transaction to any server connection, where that name is
missing or taken. DATABASE_PREPARED_STATEMENTS=off makes psycopg never prepare.

A real PgBouncer with one server connection, two app connections taking turns:
the second one's prepared statement collides with the first one's.
(tests/test_scale_out.py runs the whole cluster through PgBouncer.)
"""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from petition.config import _database_url, load_settings

from servers import PgBouncer, pgbouncer_or_skip


@pytest.fixture
def bouncer(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PgBouncer fronts PostgreSQL: set DATABASE_URL=postgresql://… to run this")
    pgbouncer_or_skip()
    server = PgBouncer(database_url, pool_size=1)
    yield server
    server.stop()


def take_turns(url, prepared):
    """Two app connections run the same query ten times each, one after the
    other, each in its own transaction, with the app's engine options."""
    env = {"DATABASE_URL": url, "DATABASE_PREPARED_STATEMENTS": "on" if prepared else "off"}
    engine = create_engine(
        _database_url(url, None), **load_settings(env)["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    try:
        with engine.connect() as first, engine.connect() as second:
            for conn in (first, second):
                with conn.begin():
                    for n in range(10):
                        assert conn.execute(text("SELECT :n + 1"), {"n": n}).scalar() == n + 1
    finally:
        engine.dispose()


def test_prepared_statements_off_work_through_pgbouncer_in_transaction_mode(bouncer):
    take_turns(bouncer.url, prepared=False)


def test_prepared_statements_on_break_through_pgbouncer_in_transaction_mode(bouncer):
    """Why the setting exists: the same code with psycopg's default fails."""
    with pytest.raises(DBAPIError, match="prepared statement"):
        take_turns(bouncer.url, prepared=True)


def test_the_setting_reaches_psycopg_only_on_postgresql():
    off = {"DATABASE_PREPARED_STATEMENTS": "off"}
    pg = load_settings({"DATABASE_URL": "postgresql://u@h/db", **off})
    assert pg["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"prepare_threshold": None}
    sqlite = load_settings({"DATABASE_URL": "sqlite:///x.db", **off})
    assert "connect_args" not in sqlite["SQLALCHEMY_ENGINE_OPTIONS"]
    default = load_settings({"DATABASE_URL": "postgresql://u@h/db"})
    assert "connect_args" not in default["SQLALCHEMY_ENGINE_OPTIONS"]
