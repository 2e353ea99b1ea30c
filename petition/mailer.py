"""One SMTP connection per worker process, reused across jobs.

Opening a connection costs a TCP handshake, EHLO, and with a real provider
STARTTLS and AUTH: several round trips per email when Flask-Mail's
`mail.send` opens one for each message. A worker that sends thousands of
confirmations in a viral hour keeps one connection open instead, checks it
with a NOOP when it sat idle (servers drop idle clients), and opens a new one
when it is gone.

SMTP error semantics are unchanged: a refusal (4xx or 5xx) raises the same
smtplib exception as `mail.send`, so tasks still tell temporary from
permanent. A connection that breaks mid-send is dropped and the error raised:
RQ retries the job on a fresh connection.
"""
import os
import smtplib
import threading
import time

from email import policy

from flask import current_app
from flask_mail import BadHeaderError, Connection, email_dispatched, sanitize_address
from flask_mail import sanitize_addresses

from .extensions import mail

#: Seconds a connection may sit idle before a NOOP checks it is still there.
IDLE_CHECK = 10.0

#: How messages go on the wire: RFC 5322 line ends, no header re-parsing.
WIRE = policy.compat32.clone(linesep="\r\n")

_local = threading.local()


def _key(config):
    return (os.getpid(), config["MAIL_SERVER"], config["MAIL_PORT"],
            config.get("MAIL_USERNAME"), config.get("MAIL_USE_TLS"),
            config.get("MAIL_USE_SSL"))


def _state():
    """This thread's (key, Connection, last use) or None."""
    return getattr(_local, "held", None)


def close():
    """Close this thread's connection, if any (worker shutdown, tests)."""
    held = _state()
    _local.held = None
    if held is None:
        return
    try:
        held[1].host.quit()
    except (smtplib.SMTPException, OSError):
        pass  # it was going away anyway


def _alive(connection):
    try:
        return connection.host.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _connection():
    """An open Flask-Mail Connection for the current app's SMTP settings."""
    key = _key(current_app.config)
    held = _state()
    if held is not None:
        held_key, connection, last_used = held
        if held_key == key and (time.monotonic() - last_used < IDLE_CHECK or _alive(connection)):
            return connection
        close()
    state = current_app.extensions["mail"]
    connection = Connection(state).__enter__()  # opened here, closed by close()
    _local.held = (key, connection, time.monotonic())
    return connection


def send(message):
    """Send one flask_mail.Message on the reused connection.

    Raises what smtplib raises; a broken connection is dropped first so the
    retry opens a new one.
    """
    state = current_app.extensions["mail"]
    if state.suppress:
        mail.send(message)  # Flask-Mail records it (tests with suppression on)
        return
    connection = _connection()
    raw = wire_bytes(message)
    try:
        connection.host.sendmail(
            sanitize_address(message.sender), list(sanitize_addresses(message.send_to)),
            raw, message.mail_options, message.rcpt_options)
    except (smtplib.SMTPServerDisconnected, OSError):
        close()
        raise
    except smtplib.SMTPException:
        # A refusal: smtplib sent RSET and the session goes on, unless the
        # server said 421 and smtplib closed it.
        if connection.host.sock is None:
            close()
        else:
            _touch(connection)
        raise
    _touch(connection)
    email_dispatched.send(current_app._get_current_object(), message=message)


def wire_bytes(message):
    """The message as sent: Flask-Mail's MIME tree, serialised with compat32.

    Flask-Mail serialises with `policy.SMTP`, which re-parses every header
    through the header registry: 2 ms of a ~10 ms email, four times what
    compat32 (with CRLF line ends) needs for the same valid RFC 5322 message.
    """
    assert message.send_to, "No recipients have been added"
    assert message.sender, "No sender and no MAIL_DEFAULT_SENDER"
    if message.has_bad_headers():
        raise BadHeaderError
    if message.date is None:
        message.date = time.time()
    tree = message._message()  # Flask-Mail 0.10 (pinned): the MIME tree it would send
    tree.policy = WIRE
    return tree.as_bytes()


def _touch(connection):
    held = _state()
    if held is not None and held[1] is connection:
        _local.held = (held[0], connection, time.monotonic())
