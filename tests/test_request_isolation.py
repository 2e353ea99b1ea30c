"""The test client runs each request as a server does (helpers.ServerClient):
its own app context, `g` and database session, torn down when the view returns,
before the body is read. Jobs (run_jobs) and commands (runner) likewise get
their own, as under worker.py and `flask …`. The test body's context and
session are its own.

Under the old fixture every request shared the test body's app context: views
left their objects in the test body's session, and a streamed body found the
view's context still there, which hid an empty CSV export under gunicorn.
"""

import pytest
from flask import g, has_app_context, request
from rq import Queue
from sqlalchemy import inspect, select

from petition.extensions import db
from petition.jobs import EMAIL_QUEUE, AppJob
from petition.models import Petition


def session_id():
    """Identifies the session of the current app context (Flask-SQLAlchemy scopes one to each)."""
    return id(db.session())


def test_g_is_neither_shared_between_requests_nor_with_the_test_body(app, client):
    seen = []

    @app.get("/_tests/g")
    def remember():
        seen.append(g.get("mark"))
        g.mark = request.args["mark"]
        return "ok"

    g.mark = "test body"
    assert client.get("/_tests/g?mark=first").status_code == 200
    assert client.get("/_tests/g?mark=second").status_code == 200
    assert seen == [None, None], "each request starts with an empty g"
    assert g.mark == "test body", "and leaves the test body's alone"


def test_a_view_loads_its_objects_in_a_session_of_its_own(app, client, petition):
    loaded = {}

    @app.get("/_tests/load")
    def load():
        loaded["petition"] = db.session.scalars(select(Petition)).one()
        loaded["session"] = session_id()
        return "ok"

    body_session = session_id()
    assert client.get("/_tests/load").status_code == 200
    assert loaded["session"] != body_session
    assert loaded["petition"] not in db.session, "the view's object is not in the test's session"
    assert inspect(loaded["petition"]).detached, "its session was closed at teardown"


def test_a_streamed_body_is_read_after_the_view_context_is_torn_down(app, client):
    torn_down = []
    app.teardown_appcontext(lambda exc: torn_down.append(True))

    @app.get("/_tests/stream")
    def stream():
        def body():
            yield f"context={has_app_context()} torn_down={bool(torn_down)}"

        return app.response_class(body())

    assert client.get("/_tests/stream").get_data(as_text=True) == "context=False torn_down=True", (
        "as gunicorn iterates it"
    )


def test_a_stream_left_open_fails_the_test(app, client):
    @app.get("/_tests/endless")
    def endless():
        def body():
            while True:
                yield "."

        return app.response_class(body())

    response = client.get("/_tests/endless", buffered=False)
    assert next(iter(response.response)) == b"."
    with pytest.raises(AssertionError, match="/_tests/endless"):
        client.assert_streams_closed()
    response.close()
    client.assert_streams_closed()
    with client.stream("/_tests/endless") as response:
        assert next(iter(response.response)) == b"."
    client.assert_streams_closed()


def test_a_live_stream_read_as_a_page_fails_at_once_instead_of_hanging(client, petition):
    with pytest.raises(AssertionError, match=r"client\.stream"):
        client.get("/api/v1/petitions/saint-etienne/events")
    with client.stream("/api/v1/petitions/saint-etienne/events") as response:
        assert response.status_code == 200


def report_session():
    """A job: which session and app context it ran in."""
    return {"session": session_id(), "context": has_app_context()}


def test_a_job_runs_in_an_app_context_and_session_of_its_own(app, run_jobs):
    job = Queue(EMAIL_QUEUE, connection=app.extensions["redis"], job_class=AppJob).enqueue(
        report_session
    )
    assert run_jobs() == 1
    job.refresh()
    result = job.return_value()
    assert result["context"] and result["session"] != session_id()


def test_a_command_runs_in_an_app_context_and_session_of_its_own(app, runner):
    @app.cli.command("tests-session")
    def tests_session():
        print(session_id())

    result = runner.invoke(args=["tests-session"])
    assert result.exit_code == 0, result.output
    assert int(result.output) != session_id()
