"""Request bodies: a body larger than MAX_CONTENT_LENGTH (256 KiB) is refused with
413 and the app's error page in the visitor's language, before it is read: no
temporary file, nothing stored. Only a view marked with `body_limit` accepts more.

The large bodies go to a real gunicorn over a socket, as a client streams
them (the test client would hand the app a body already in memory); the
worker's open files are watched meanwhile for anything in its TMPDIR.
"""

import http.client
import io
import os
import socket
import threading
from pathlib import Path

import pytest
from flask import request
from sqlalchemy import func, select

from petition.extensions import db
from petition.models import Signature
from petition.uploads import body_limit

from helpers import post_signature
from servers import Gunicorn, server_env

MB = 1024 * 1024
SIZE = 50 * MB
BOUNDARY = "----petition-test-boundary"
PAGE = {
    "fr": ("Envoi trop volumineux", "rien n'a été enregistré"),
    "en": ("Upload too large", "nothing was saved"),
}


@pytest.fixture
def server(request, app, petition, database_url, redis_server, smtp_sink, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = server_env(
        database_url,
        redis_server,
        smtp_sink,
        tmp_path,
        TMPDIR=tmp,
        GUNICORN_WORKER_CLASS=request.param,
        WEB_THREADS=4,
    )
    gunicorn = Gunicorn(env, tmp_path)
    gunicorn.tmp = tmp
    yield gunicorn
    gunicorn.stop()


def multipart(size):
    """Header, then the parts of a sign form with a `size`-byte file part: (length, chunks)."""
    fields = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in (
            ("first_name", "Jean"),
            ("last_name", "Dupont"),
            ("email", "gros.envoi@gmail.com"),
            ("postal_code", "42000"),
            ("category", "developer"),
            ("consent", "y"),
        )
    )
    head = (
        fields + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return len(head) + size + len(tail), [head, *_filler(size), tail]


def urlencoded(size):
    head = b"first_name=Jean&last_name=Dupont&email=gros.envoi%40gmail.com&organisation="
    return len(head) + size, [head, *_filler(size)]


def _filler(size):
    block = b"x" * (64 * 1024)
    for start in range(0, size, len(block)):
        yield block[: min(len(block), size - start)]


def send(port, content_type, length, chunks, lang, chunked=False):
    """POST the body over a socket from another thread; returns (status, page)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    sock.sendall(
        f"POST /p/saint-etienne HTTP/1.1\r\nHost: localhost\r\n"
        f"Content-Type: {content_type}\r\n{framing}\r\nAccept-Language: {lang}\r\n"
        "Connection: close\r\n\r\n".encode()
    )

    def body():
        try:
            for chunk in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed without reading the rest: the point

    sender = threading.Thread(target=body, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read().decode()
    finally:
        sock.close()
        sender.join(30)


class TempWatch:
    """Records every file a gunicorn worker opens under its TMPDIR, and the
    directory's entries, until stopped (but gunicorn's own heartbeat file,
    `wgunicorn-*`, open from the start)."""

    def __init__(self, server):
        self.server, self.seen, self.running = server, set(), True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        tmp = str(self.server.tmp)
        while self.running:
            for pid in self.server.worker_pids():
                fds = Path(f"/proc/{pid}/fd")
                try:
                    links = [os.readlink(fd) for fd in fds.iterdir()]
                except OSError:
                    continue
                self.seen.update(link for link in links if link.startswith(tmp))
            self.seen.update(str(p) for p in self.server.tmp.iterdir())
            self.seen = {p for p in self.seen if not Path(p).name.startswith("wgunicorn-")}

    def stop(self):
        self.running = False
        self.thread.join(5)
        return self.seen


def stored():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Signature))


@pytest.mark.parametrize("server", ["gthread", "gevent"], indirect=True)
def test_a_50_mb_body_gets_413_before_it_is_read(server):
    for kind, lang in (
        ("multipart", "fr"),
        ("multipart-chunked", "en"),
        ("urlencoded", "fr"),
        ("multipart", "en"),
        ("multipart-chunked", "fr"),
        ("urlencoded", "en"),
    ):
        if kind.startswith("multipart"):
            content_type = f"multipart/form-data; boundary={BOUNDARY}"
            length, chunks = multipart(SIZE)
        else:
            content_type = "application/x-www-form-urlencoded"
            length, chunks = urlencoded(SIZE)
        watch = TempWatch(server)
        try:
            status, page = send(
                server.port, content_type, length, chunks, lang, chunked=kind.endswith("chunked")
            )
        finally:
            seen = watch.stop()
        assert status == 413, (kind, page[:500])
        title, message = PAGE[lang]
        assert f"<title>{title}" in page, (kind, lang, page[:500])
        assert message in page.replace("&#39;", "'"), (kind, lang)
        assert seen == set(), f"{kind}: a temporary file was written: {seen}"
        assert stored() == 0


def test_a_form_under_the_limit_still_signs(client, petition):
    response = post_signature(client, organisation="o" * 150)
    assert response.status_code == 302
    assert stored() == 1


@pytest.mark.parametrize(
    "app_overrides", [{"IMPORT_MAX_CONTENT_LENGTH": 2 * MB, "WTF_CSRF_ENABLED": False}]
)
def test_only_a_view_marked_with_body_limit_accepts_more(app, client, petition):
    @body_limit("IMPORT_MAX_CONTENT_LENGTH")
    def import_csv():
        return {"bytes": len(request.files["file"].read())}

    app.add_url_rule("/test-import", "test_import", import_csv, methods=["POST"])
    one_mb = {"file": (io.BytesIO(b"x" * MB), "rows.csv")}
    assert client.post("/test-import", data=one_mb).get_json() == {"bytes": MB}
    three_mb = {"file": (io.BytesIO(b"x" * 3 * MB), "rows.csv")}
    assert client.post("/test-import", data=three_mb).status_code == 413
    ordinary = client.post("/p/saint-etienne", data={"organisation": "x" * MB})
    assert ordinary.status_code == 413
    assert "Envoi trop volumineux" in ordinary.get_data(as_text=True)


def test_max_content_length_comes_from_the_environment():
    from petition.config import load_settings

    assert load_settings({})["MAX_CONTENT_LENGTH"] == 256 * 1024
    assert load_settings({"MAX_CONTENT_LENGTH": "1000"})["MAX_CONTENT_LENGTH"] == 1000
