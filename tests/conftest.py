"""Fixtures: a private redis-server, an SMTP sink, a migrated database, the app.

Everything is real: the queue is Redis, mail goes over SMTP to the sink, the
database is SQLite (default) or PostgreSQL when DATABASE_URL is set.
"""
import os
import secrets

import pytest
from flask import g, request
from flask_migrate import upgrade
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import create_engine, make_url, text

from petition import create_app
from petition.config import _database_url
from petition.dev.servers import RedisServer, SmtpSink
from petition.extensions import db
from petition.jobs import QUEUES, AppJob
from petition.services.petitions import parse_communes, save

from helpers import app_settings, csrf_from, link_in


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
    app = create_app(app_settings(database_url, redis_server, smtp_sink, **app_overrides))
    smtp_sink.clear()
    _isolate_g(app)
    with app.app_context():
        app.extensions["redis"].flushall()
        yield app
        _empty_database()
        db.session.remove()
        db.engine.dispose()


def _isolate_g(app):
    """Give each client request a clean `g`, as in production.

    The client's requests reuse the app context the `app` fixture pushes, so
    `g` (and Flask-Babel's cached locale in it) would leak from one request
    to the next. Cleared first thing in each request, restored at teardown;
    `test_request_context()` (used to build URLs in jobs) is left alone.
    """

    def clear():
        request.environ["tests.outer_g"] = dict(g.__dict__)
        g.__dict__.clear()

    def restore(exc):
        outer = request.environ.pop("tests.outer_g", None)
        if outer is not None:
            g.__dict__.clear()
            g.__dict__.update(outer)

    app.before_request_funcs.setdefault(None, []).insert(0, clear)
    app.teardown_request(restore)


def _empty_database():
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class CountingWorker(SimpleWorker):
    jobs_run = 0

    def execute_job(self, job, queue):
        self.jobs_run += 1
        return super().execute_job(job, queue)


@pytest.fixture
def run_jobs(app):
    """Drain the real queues with an in-process SimpleWorker; returns job count."""

    def run(queues=QUEUES):
        connection = app.extensions["redis"]
        worker = CountingWorker(list(queues), connection=connection, job_class=AppJob)
        worker.work(burst=True, with_scheduler=False)
        return worker.jobs_run

    return run


@pytest.fixture
def petition(app):
    """An open petition with two communes, like Saint-Étienne's."""
    return save(
        {"slug": "saint-etienne", "title": "Saint-Étienne French Tech",
         "territory": "Saint-Étienne Métropole", "goal": 1000, "state": "open",
         "description": "Soutenez **Saint-Étienne**.", "controller_name": "Ville"},
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
