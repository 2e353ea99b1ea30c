"""Jobs queued before petition/jobs/ name their function by its old dotted
path (`petition.tasks.send_confirmation`, …) in Redis. For one release the
alias modules petition/tasks.py, tasks_organizer.py and tasks_counts.py keep
them running (README, Production); new jobs are queued as function
objects under petition.jobs.*."""

from sqlalchemy import select, update

from petition.extensions import db
from petition.jobs import DEFAULT_QUEUE, EMAIL_QUEUE, queue
from petition.models import Petition, Signature
from petition.services import organizers

from helpers import post_signature


def test_new_jobs_name_their_function_where_it_lives(app, client, petition):
    post_signature(client)
    (job,) = queue(EMAIL_QUEUE).get_jobs()
    assert job.func_name == "petition.jobs.signatures.send_confirmation"


def test_a_confirmation_queued_under_its_old_path_still_arrives(
    app, client, petition, smtp_sink, run_jobs
):
    post_signature(client)
    signature = db.session.scalars(select(Signature)).one()
    queue(EMAIL_QUEUE).empty()  # instead of this release's job, one queued by the last
    queue(EMAIL_QUEUE).enqueue_call(
        "petition.tasks.send_confirmation", args=(signature.id, signature.token_nonce)
    )
    assert run_jobs() == 1
    assert [m["To"] for m in smtp_sink.messages] == ["jeandupont@gmail.com"]
    assert "/confirm/" in smtp_sink.messages[0].get_body(("plain",)).get_content()


def test_organizer_and_count_jobs_queued_under_old_paths_still_run(
    app, petition, smtp_sink, run_jobs
):
    organizer = organizers.create("chef@example.org", "un-mot-de-passe-assez-long", [petition])
    queue(EMAIL_QUEUE).enqueue_call(
        "petition.tasks_organizer.send_password_reset", args=(organizer.id,)
    )
    db.session.execute(update(Petition).values(signature_count=5))
    db.session.commit()
    reconcile = queue(DEFAULT_QUEUE).enqueue_call("petition.tasks_counts.reconcile_counts")
    assert run_jobs() == 2
    assert [m["To"] for m in smtp_sink.messages] == ["chef@example.org"]
    assert reconcile.return_value(refresh=True) == {
        "checked": 1,
        "repaired": [("saint-etienne", 5, 0)],
    }
