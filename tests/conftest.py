"""Fixtures: a private redis-server, an SMTP sink, a migrated database, the app.

Everything is real: the queue is Redis, mail goes over SMTP to the sink, the
database is SQLite (default) or PostgreSQL when DATABASE_URL is set.
"""

import os
import secrets

import pytest
from flask import Flask
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import create_engine, make_url, text

from petition import create_app
from petition.config import _database_url
from petition.dev.servers import RedisServer, SmtpSink
from petition.extensions import db
from petition.jobs import QUEUES, AppJob
from petition.services.petitions import parse_communes, save

from helpers import CommandRunner, JobWorker, ServerClient, app_settings, csrf_from, link_in


def pytest_configure(config):
    """Every app's test client runs each request as a server does, and its CLI
    runner each command as `flask …` does (helpers.ServerClient, CommandRunner);
    run_jobs runs each job as worker.py does (helpers.JobWorker)."""
    Flask.test_client_class = ServerClient
    Flask.test_cli_runner_class = CommandRunner


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database migrated from nothing once per session, emptied after each test.

    On PostgreSQL (DATABASE_URL set) the session gets its own database on that
    server, dropped at the end, so parallel runs never touch each other's rows.
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        server_url = make_url(_database_url(url, None))
        name = f"petition_test_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server_url.set(database=name).render_as_string(hide_password=False)
    else:
        admin = None
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    yield url
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_overrides():
    """Override in a test module to change settings: return a dict."""
    return {}


@pytest.fixture
def app(database_url, redis_server, smtp_sink, app_overrides):
    """The app, with an app context pushed for the test body (set-up, assertions
    on the database). Client requests, jobs and commands never run in it: each
    gets its own context and session, as under gunicorn, worker.py and `flask …`."""
    app = create_app(app_settings(database_url, redis_server, smtp_sink, **app_overrides))
    smtp_sink.clear()
    with app.app_context():
        app.extensions["redis"].flushall()
        yield app
        _empty_database()
        db.session.remove()
        db.engine.dispose()


def _empty_database():
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def client(app):
    client = app.test_client()
    yield client
    client.assert_streams_closed()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(app):
    """Drain the real queues with an in-process SimpleWorker, each job in an app
    context of its own (helpers.JobWorker); returns the number of jobs run."""

    def run(queues=QUEUES):
        connection = app.extensions["redis"]
        worker = JobWorker(list(queues), connection=connection, job_class=AppJob, app=app)
        worker.work(burst=True, with_scheduler=False)
        return worker.jobs_run

    return run


@pytest.fixture
def petition(app):
    """An open petition with two communes, like Saint-Étienne's."""
    return save(
        {
            "slug": "saint-etienne",
            "title": "Saint-Étienne French Tech",
            "territory": "Saint-Étienne Métropole",
            "goal": 1000,
            "state": "open",
            "description": "Soutenez **Saint-Étienne**.",
            "controller_name": "Ville",
        },
        parse_communes("Saint-Étienne:42000,42100;Firminy:42700"),
    )


@pytest.fixture
def confirm_via_email(client, smtp_sink, run_jobs):
    """Drain the queue, open the newest confirmation link, press the button."""

    def confirm(to=None):
        run_jobs()
        messages = [m for m in smtp_sink.messages if to is None or to in m["To"]]
        assert messages, "no email arrived"
        path = link_in(messages[-1], "/confirm/")
        page = client.get(path)
        assert page.status_code == 200
        return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})

    return confirm


@pytest.fixture
def redis_client(app) -> Redis:
    return app.extensions["redis"]
