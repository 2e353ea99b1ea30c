"""What tests share besides fixtures: the server-like test client, the settings
of a test app, and the steps a browser or an organizer takes (sign, log in,
export, read an email).

Import with `from helpers import …` (tests/ is on pythonpath). The organizer
helpers live here too: one module of shared steps, so no test imports another
helper module or conftest, and conftest.py holds fixtures only.
"""

import contextvars
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from petition import links
from petition.extensions import db
from petition.jobs.worker import LeanWorker
from petition.models import OrganisationCheck, Petition, Signature, SireneEstablishment
from petition.services import organizers
from petition.services.petitions import parse_communes, save

CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)
PASSWORD = "correct horse battery staple"


class ServerClient(FlaskClient):
    """A test client whose every request runs as under a server (gunicorn).

    Each request runs in a fresh, empty `contextvars.Context`: no app context of
    the test body is visible there, so Flask pushes the request's own app context,
    with its own `g` and its own Flask-SQLAlchemy session, and tears it down when
    the view returns. The body is read in that same context after the teardown
    (buffered), as a server iterates it: a streamed body that leans on the view's
    ORM objects fails here as it fails in production.

    The test body keeps the app context the `app` fixture pushed (set-up,
    assertions on the database) with a session of its own: after a request it
    reads committed rows afresh, but objects it loaded before the request stay as
    it loaded them: re-read those (`reread`, `reread_all`).

    A live stream never ends: open it with `client.stream(...)`, which reads it
    chunk by chunk in the request's context and closes it at the end of the
    `with` block. Streams left open fail the test (see `assert_streams_closed`);
    a plain request that gets an event stream fails at once instead of hanging.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.streams = []

    def open(self, *args, buffered=True, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, buffered=buffered, **kwargs)
        if not buffered:
            response.response = _InContext(context, response.response, response.request.path)
            self.streams.append(response.response)
        return response

    def run_wsgi_app(self, environ, buffered=False):
        # Buffer here rather than in werkzeug, to refuse an event stream first:
        # read to its end it would hang the test until the stream's max age.
        app_iter, status, headers = super().run_wsgi_app(environ, buffered=False)
        if buffered:
            close = getattr(app_iter, "close", None)
            try:
                if headers.get("Content-Type", "").startswith("text/event-stream"):
                    raise AssertionError(
                        f"{environ['PATH_INFO']} is a live stream, which "
                        "never ends: open it with client.stream(...)"
                    )
                app_iter = list(app_iter)
            finally:
                if close is not None:
                    close()
        return app_iter, status, headers

    @contextmanager
    def stream(self, *args, **kwargs):
        """GET a streamed response (SSE); it is closed when the block ends."""
        kwargs.setdefault("method", "GET")
        response = self.open(*args, buffered=False, **kwargs)
        try:
            yield response
        finally:
            response.close()

    def assert_streams_closed(self):
        left = [body.path for body in self.streams if not body.closed]
        assert not left, f"streamed responses left open (use client.stream): {left}"

    def __enter__(self):
        raise TypeError(
            "`with client:` would keep the request's context in the test "
            "body, which this client exists to prevent; read what you need "
            "from the response or the database"
        )


class _InContext:
    """A response body pulled chunk by chunk inside the request's own context."""

    def __init__(self, context, iterable, path):
        self.context = context
        self.path = path
        self.iterator = iter(iterable)
        self.closed = False

    def __iter__(self):
        while True:
            try:
                yield self.context.run(next, self.iterator)
            except StopIteration:
                return

    def close(self):
        if not self.closed:
            self.closed = True
            close = getattr(self.iterator, "close", None)
            if close is not None:
                self.context.run(close)


class CommandRunner(FlaskCliRunner):
    """A CLI runner whose every command runs as `flask …` does, in its own
    process: in a fresh context, with an app context (and a session) of its own."""

    def invoke(self, *args, **kwargs):
        return contextvars.Context().run(super().invoke, *args, **kwargs)


class JobWorker(LeanWorker):
    """worker.py's worker class, running each job as worker.py does: in a fresh context,
    with an app context (own `g`, own session) of its own, never the test
    body's. Counts the jobs it ran."""

    jobs_run = 0

    def __init__(self, *args, app, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def execute_job(self, job, queue):
        self.jobs_run += 1
        return contextvars.Context().run(self._execute_in_app_context, job, queue)

    def _execute_in_app_context(self, job, queue):
        with self.app.app_context():
            return super().execute_job(job, queue)


def app_settings(database_url, redis_server, smtp_sink, **extra):
    """The settings of an app on the tests' database, Redis and SMTP sink."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_server.url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_DEFAULT_SENDER": "Pétitions <petition@test.example>",
        "BASE_URL": "http://localhost",
        "MAIL_RETRY_INTERVALS": [0, 0, 0, 0, 0],
        "APP_ENV": "test",
        # An unexpected error gives the 500 page, as in production (Flask's
        # TESTING would re-raise it into the test instead).
        "PROPAGATE_EXCEPTIONS": False,
        # Shared fixtures sign many times from 127.0.0.1: generous limits here;
        # tests of the limits set them low (tests/test_ratelimits.py).
        "RATELIMIT_SIGN": "1000 per minute",
        "RATELIMIT_EMAIL": "1000 per minute",
        "RATELIMIT_TOKEN": "1000 per minute",
    }
    settings.update(extra)
    return settings


# --- the database as requests left it -----------------------------------------


def reread(model, ident):
    """Row `ident` of `model` as the database holds it now.

    Requests, jobs and commands write through sessions of their own, as under a
    server: a copy the test body's session loaded before them keeps its old
    values, and a plain `db.session.get` hands that copy back. This re-reads it.
    """
    return db.session.get(model, ident, populate_existing=True)


def reread_all(statement):
    """The objects `statement` selects, as the database holds them now (see reread)."""
    return db.session.scalars(statement.execution_options(populate_existing=True)).all()


def only_signature():
    """The one signature row, as the database holds it now."""
    (signature,) = reread_all(select(Signature))
    return signature


# --- jobs --------------------------------------------------------------------


def drain(run_jobs, rounds=10):
    """Run the worker until nothing is left; return how many job runs it took."""
    total = 0
    for _ in range(rounds):
        ran = run_jobs()
        if not ran:
            break
        total += ran
    return total


# --- pages and forms ---------------------------------------------------------


def csrf_from(html):
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def csrf(client, url="/organizer/login"):
    return csrf_from(client.get(url).get_data(as_text=True))


def sign_data(**overrides):
    data = {
        "first_name": "Jean",
        "last_name": "Dupont",
        "email": "jeandupont@gmail.com",
        "postal_code": "42000",
        "category": "developer",
        "organisation": "",
        "siren": "",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_signature(client, slug="saint-etienne", **overrides):
    """GET the form, then POST it with its CSRF token, as a browser would."""
    page = client.get(f"/p/{slug}")
    data = sign_data(**overrides)
    data["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post(f"/p/{slug}", data=data)


# --- emails ------------------------------------------------------------------


def mail_text(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def mail_html(message):
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def link_in(message, path):
    """The first link in the email's text part whose path starts with `path`."""
    match = re.search(r"http://localhost(" + re.escape(path) + r"[^\s]+)", mail_text(message))
    assert match, f"no {path} link in: {mail_text(message)}"
    return match.group(1)


# --- organizers --------------------------------------------------------------


def make_lyon():
    return save(
        {
            "slug": "lyon",
            "title": "Lyon French Tech",
            "territory": "Métropole de Lyon",
            "goal": 500,
            "state": "open",
        },
        parse_communes("Lyon:69001,69002;Villeurbanne:69100"),
    )


def make_organizer(email, petitions=(), admin=False, password=PASSWORD):
    return organizers.create(email, password, list(petitions), is_admin=admin)


def login(client, email, password=PASSWORD, next_url=None):
    url = "/organizer/login" + (f"?next={next_url}" if next_url else "")
    page = client.get(url)
    return client.post(
        url,
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )


def add_signature(petition, state="verified", days_ago=0, **fields):
    """A row as the signing flow leaves it (the count is moved for verified)."""
    now = datetime.now(UTC) - timedelta(days=days_ago)
    n = db.session.query(Signature).count() + 1
    data = dict(
        petition_id=petition.id,
        state=state,
        first_name=f"Prénom{n}",
        last_name=f"Nom{n}",
        email=f"person{n}@example.org",
        canonical_email=f"person{n}@example.org",
        postal_code="42000",
        commune="Saint-Étienne",
        insee="42218",
        local=True,
        category="developer",
        public=False,
        email_domain="example.org",
        ip_hash="a" * 64,
        created_at=now,
        verified_at=now if state == "verified" else None,
    )
    data.update(fields)
    signature = Signature(**data)
    db.session.add(signature)
    if state == "verified":  # in SQL: the test body's copy may predate a request
        db.session.execute(
            update(Petition)
            .where(Petition.id == petition.id)
            .values(
                signature_count=Petition.signature_count + 1,
                local_count=Petition.local_count + (1 if signature.local else 0),
            )
        )
    db.session.commit()
    return signature


def export(client, slug="saint-etienne", **filters):
    """Download the CSV as the dashboard's export form does: a POST with its CSRF token."""
    token = csrf(client, f"/organizer/petitions/{slug}/")
    return client.post(
        f"/organizer/petitions/{slug}/export.csv", data={"csrf_token": token, **filters}
    )


# --- markup ------------------------------------------------------------------

#: Attributes whose value names ids of the page (one or several).
ID_REFERENCES = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "aria-owns", "list")
BOOLEAN_ATTRIBUTES = {
    "required",
    "disabled",
    "checked",
    "readonly",
    "hidden",
    "selected",
    "multiple",
    "novalidate",
    "autofocus",
    "async",
    "defer",
}
ARIA_INVALID = {"true", "false", "grammar", "spelling"}
#: French spacing before punctuation, or French quotation marks.
FRENCH_TYPOGRAPHY = re.compile(r"[ \u00a0\u202f][:;?!»](?=[\s.,)]|$)|«")
#: "1 000" (French grouping) and "1,000" (English grouping).
FRENCH_NUMBER = re.compile(r"(?<![\d,.])\d{1,3}(?:[\u00a0\u202f]\d{3})+(?!\d)")
ENGLISH_NUMBER = re.compile(r"(?<![\d,.\w])\d{1,3}(?:,\d{3})+(?![\d,])")
#: Text that is not prose of the page: code, titles of documents (a mix of
#: interface and petition content), scripts.
NOT_PROSE = {"script", "style", "textarea", "code", "pre", "title"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, attrs dict, line)
        self.texts = []  # (text, lang, line)
        self.stack = []  # (tag, lang)

    def handle_starttag(self, tag, attrs):
        attrs_dict = {}
        for name, value in attrs:
            attrs_dict[name] = value
        lang = attrs_dict.get("lang") or (self.stack[-1][1] if self.stack else "")
        self.elements.append((tag, attrs_dict, self.getpos()[0]))
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), self.getpos()[0]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not data.strip() or any(tag in NOT_PROSE for tag, _ in self.stack):
            return
        lang = self.stack[-1][1] if self.stack else ""
        self.texts.append((data, lang, self.getpos()[0]))


def parse_markup(html):
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def markup_problems(html):
    """What is wrong with the page's attributes: a value rendered "None" or
    "False", a boolean attribute with a value, an aria-invalid no reader
    knows, a duplicate id, an id reference (for, aria-describedby…) or an
    in-page link that points at nothing."""
    page = parse_markup(html)
    problems = []
    ids = {}
    for tag, attrs, line in page.elements:
        if "id" in attrs:
            if not attrs["id"]:
                problems.append(f"line {line}: <{tag}> has an empty id")
            elif attrs["id"] in ids:
                problems.append(f"line {line}: duplicate id {attrs['id']!r}")
            ids[attrs["id"]] = tag
    for tag, attrs, line in page.elements:
        where = f"line {line}: <{tag}>"
        for name, value in attrs.items():
            if value in ("None", "False") and name != "value":
                problems.append(f'{where} {name}="{value}"')
            if name in BOOLEAN_ATTRIBUTES and value not in (None, "", name):
                problems.append(f'{where} {name}="{value}" (a boolean attribute)')
            if name == "aria-invalid" and value not in ARIA_INVALID:
                problems.append(f'{where} aria-invalid="{value}"')
            if name in ID_REFERENCES:
                refs = (value or "").split()
                if not refs:
                    problems.append(f"{where} {name} names no id")
                problems += [
                    f"{where} {name} names #{r}, not on the page" for r in refs if r not in ids
                ]
        href = attrs.get("href") or ""
        if tag == "a" and href.startswith("#") and href[1:] not in ids:
            problems.append(f"{where} links to {href}, not on the page")
    return problems


def language_problems(html, lang):
    """What a reader of `lang` would stumble on: numbers grouped the other
    language's way; in English, French typography outside an element marked
    lang="fr" (petition content must be marked so)."""
    problems = []
    wrong_number = ENGLISH_NUMBER if lang == "fr" else FRENCH_NUMBER
    for text, text_lang, line in parse_markup(html).texts:
        if text_lang and text_lang != lang:
            continue
        found = wrong_number.search(text)
        if found:
            problems.append(f"line {line}: {found.group()!r} in {text.strip()!r}")
        if lang != "fr":
            found = FRENCH_TYPOGRAPHY.search(text)
            if found:
                problems.append(
                    f"line {line}: French typography {found.group()!r} in {text.strip()!r}"
                )
    return problems


# --- the panorama (issue 18) ----------------------------------------------------


def checked_signer(
    petition,
    siren="552100554",
    status="active",
    partial=False,
    name="ACME NUMÉRIQUE",
    x=808000.0,
    y=6480000.0,
    **fields,
):
    """A verified signer whose organisation the register check found (the
    check row as the worker leaves it), with its establishment at (x, y)."""
    signature = add_signature(petition, siren=siren, organisation=name, **fields)
    siret = siren + "00013"
    if db.session.get(SireneEstablishment, siret) is None:
        db.session.add(
            SireneEstablishment(
                siret=siret,
                siren=siren,
                state="A",
                commune="42218",
                naf="62.01Z",
                headcount="11",
                x=x,
                y=y,
            )
        )
    db.session.add(
        OrganisationCheck(
            signature_id=signature.id,
            petition_id=petition.id,
            status=status,
            siren=siren,
            siret=siret,
            registered_name=name,
            partial_diffusion=partial,
            naf="62.01Z",
            headcount="11",
            commune="42218",
            in_territory=True,
        )
    )
    db.session.commit()
    return signature


def publish_url(app, signature):
    """The path of the signer's "publish my organisation" link."""
    with app.test_request_context():
        return links.publish_url(signature).replace("http://localhost", "")


def publish_profile(client, app, signature, **data):
    """Open the publish link and send its form, as the signer does."""
    path = publish_url(app, signature)
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    form = {
        "description": "Logiciels pour les collectivités.",
        "website": "https://acme.example.fr",
        "category": "company",
        "csrf_token": csrf_from(page.get_data(as_text=True)),
    }
    form.update(data)
    return client.post(path, data=form)
