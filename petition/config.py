"""Settings read from the environment (and a `.env` file when present).

`load_settings()` is called by the app factory; importing this module does
nothing. Every variable is documented in docs/configuration.md, and
tests/test_config.py checks that each one documented there changes a setting.
"""

import os
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The placeholder key of development; production refuses to start with it.
DEV_SECRET_KEY = "dev-not-secret-change-me"

ROOT = Path(__file__).resolve().parent.parent


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value, default):
    return int(value) if value not in (None, "") else default


def _float(value, default):
    return float(value) if value not in (None, "") else default


def _date(value):
    return date.fromisoformat(value.strip()) if value not in (None, "") else None


def load_settings(environ=None):
    """Return a dict of Flask settings built from environment variables."""
    if environ is None:
        _load_dotenv()
        environ = os.environ
    get = environ.get
    env = app_env(get("APP_ENV", "development"))
    instance = Path(get("INSTANCE_PATH") or ROOT / "instance").resolve()
    settings = {
        "APP_ENV": env,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": get("SECRET_KEY", DEV_SECRET_KEY),
        # Older keys, still accepted (never used to sign): rotating SECRET_KEY
        # keeps sessions, emailed links and export manifests valid.
        "SECRET_KEY_FALLBACKS": _list(get("SECRET_KEY_FALLBACKS")),
        # Keys the IP hashes apart from SECRET_KEY, so rotating that key does not
        # change them. None: SECRET_KEY (create_app), what hashed them before.
        "IP_HASH_KEY": get("IP_HASH_KEY") or None,
        "LOG_LEVEL": (get("LOG_LEVEL") or "INFO").strip().upper(),
        "SQLALCHEMY_DATABASE_URI": _database_url(get("DATABASE_URL"), instance),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(get),
        "REDIS_URL": get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "BASE_URL": get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Organizer pages show and take times in this zone; the database keeps UTC.
        "TIMEZONE": get("TIMEZONE", "Europe/Paris"),
        "MAIL_SERVER": get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(get("MAIL_PORT"), 8025),
        "MAIL_USE_TLS": _bool(get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(get("MAIL_USE_SSL")),
        "MAIL_USERNAME": get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": get(
            "MAIL_DEFAULT_SENDER", "Pétitions French Tech <petition@localhost>"
        ),
        "MAIL_SUPPRESS_SEND": False,
        "CONFIRM_TOKEN_MAX_AGE": _int(get("CONFIRM_TOKEN_MAX_AGE"), 30 * 86400),
        "INVITE_TOKEN_MAX_AGE": _int(get("INVITE_TOKEN_MAX_AGE"), 7 * 86400),
        "RESET_TOKEN_MAX_AGE": _int(get("RESET_TOKEN_MAX_AGE"), 3600),
        # The emailed one-time sign-in link of an account under attack, and the
        # invitation an existing account accepts (README: Organizers).
        "SIGNIN_TOKEN_MAX_AGE": _int(get("SIGNIN_TOKEN_MAX_AGE"), 900),
        "GRANT_TOKEN_MAX_AGE": _int(get("GRANT_TOKEN_MAX_AGE"), 7 * 86400),
        "EVENT_TOKEN_MAX_AGE": _int(get("EVENT_TOKEN_MAX_AGE"), 7 * 86400),
        # None: a withdrawal link works as long as the data exist (tokens.py).
        "WITHDRAW_TOKEN_MAX_AGE": _int(get("WITHDRAW_TOKEN_MAX_AGE"), None),
        "MAX_EMAILS_PER_SIGNATURE": _int(get("MAX_EMAILS_PER_SIGNATURE"), 5),
        # Seconds between SMTP retries: temporary failures are retried for hours.
        "MAIL_RETRY_INTERVALS": _intervals(
            get("MAIL_RETRY_INTERVALS"), [30, 60, 300, 900, 1800, 3600, 3600, 7200, 7200]
        ),
        "DEV_MAIL_DIR": get("DEV_MAIL_DIR") or None,
        "PROXY_COUNT": _int(get("PROXY_COUNT"), 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,  # the session bounds it; a long form read is fine
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "petition" / "translations"),
        "LANGUAGES": ["fr", "en"],
        "EMAIL_CHECK_DNS": _bool(get("EMAIL_CHECK_DNS")),
    }
    settings.update(_protection_settings(get))
    settings.update(_stream_and_body_settings(get))
    settings.update(_accessibility_settings(get))
    settings.update(_operations_settings(get))
    settings.update(_news_settings(get))
    settings.update(_attestation_settings(get))
    settings.update(_webhook_settings(get))
    settings.update(_sirene_settings(get))
    return settings


def _sirene_settings(get):
    """The Sirene register's online source (docs/sirene.md); unset: the extract only."""
    return {
        # e.g. https://recherche-entreprises.api.gouv.fr (no key needed).
        "SIRENE_API_URL": (get("SIRENE_API_URL") or "").rstrip("/") or None,
        "SIRENE_API_TIMEOUT": _float(get("SIRENE_API_TIMEOUT"), 5.0),
        "SIRENE_API_RETRIES": _int(get("SIRENE_API_RETRIES"), 3),
        # Seconds before the first retry, doubled each time (Retry-After wins, capped).
        "SIRENE_API_BACKOFF": _float(get("SIRENE_API_BACKOFF"), 0.5),
        # Requests per second for all our processes together (the published limit: 7).
        "SIRENE_API_RATE": _float(get("SIRENE_API_RATE"), 7.0),
        # Seconds a "not found" answer is believed; an API answer is refreshed after
        # SIRENE_API_MAX_AGE seconds.
        "SIRENE_API_MISSING_TTL": _int(get("SIRENE_API_MISSING_TTL"), 86400),
        "SIRENE_API_MAX_AGE": _int(get("SIRENE_API_MAX_AGE"), 30 * 86400),
        # Connections loading a stock file at once on PostgreSQL (SQLite: one).
        "SIRENE_IMPORT_WORKERS": _int(get("SIRENE_IMPORT_WORKERS"), _cores(4)),
    }


def _cores(most):
    """This machine's cores, `most` at most (a setting's default, read at start)."""
    return max(1, min(most, os.cpu_count() or 1))


def _webhook_settings(get):
    """Webhooks and milestone alerts (docs/api.md: Webhooks)."""
    return {
        # Seconds between the attempts of one delivery (Standard Webhooks' schedule).
        "WEBHOOK_RETRY_INTERVALS": _intervals(
            get("WEBHOOK_RETRY_INTERVALS"), [5, 300, 1800, 7200, 18000, 36000]
        ),
        # Failed attempts in a row before an endpoint is disabled.
        "WEBHOOK_MAX_FAILURES": _int(get("WEBHOOK_MAX_FAILURES"), 20),
        "WEBHOOK_TIMEOUT": _float(get("WEBHOOK_TIMEOUT"), 10.0),
        # The SSRF guard: never post to private, loopback or link-local
        # addresses. Only the dev stack and tests relax it (refused in production).
        "WEBHOOK_ALLOW_PRIVATE": _bool(get("WEBHOOK_ALLOW_PRIVATE")),
    }


#: Stated in every attestation; a deploy sets PLATFORM_VERSION (e.g. the git tag).
PLATFORM_VERSION = "0.12.0"


def _attestation_settings(get):
    """Signed attestations and their keys (docs/attestations.md)."""
    return {
        "ATTESTATIONS_ENABLED": _bool(get("ATTESTATIONS_ENABLED"), True),
        "ATTESTATION_KEY": get("ATTESTATION_KEY") or None,
        "ATTESTATION_KEY_FILE": get("ATTESTATION_KEY_FILE") or None,
        "ATTESTATION_PUBLIC_KEYS_FILE": get("ATTESTATION_PUBLIC_KEYS_FILE") or None,
        "ATTESTATION_KEYS_DIR": get("ATTESTATION_KEYS_DIR") or None,
        "PLATFORM_VERSION": get("PLATFORM_VERSION") or PLATFORM_VERSION,
        # Largest file /verifier accepts (an attestation's PDF or JSON).
        "VERIFIER_MAX_UPLOAD": _int(get("VERIFIER_MAX_UPLOAD"), 10 * 1024 * 1024),
    }


def _news_settings(get):
    """News to signers (docs/organizers.md, News to signers): the sending rate."""
    return {
        # Emails per batch, and seconds between batches: 100 a minute by default.
        "NEWS_BATCH_SIZE": _int(get("NEWS_BATCH_SIZE"), 100),
        "NEWS_BATCH_INTERVAL": _int(get("NEWS_BATCH_INTERVAL"), 60),
        # Seconds after which a delivery claimed by a job that never finished
        # (its worker died and RQ lost the job) may be claimed by another.
        "NEWS_CLAIM_LEASE": _int(get("NEWS_CLAIM_LEASE"), 3600),
        # Optional second List-Unsubscribe address (mailto:), read by a person.
        "NEWS_UNSUBSCRIBE_MAILTO": get("NEWS_UNSUBSCRIBE_MAILTO") or None,
        # None: an unsubscribe link works as long as the signature's data exist.
        "UNSUBSCRIBE_TOKEN_MAX_AGE": _int(get("UNSUBSCRIBE_TOKEN_MAX_AGE"), None),
        "SAMPLE_TOKEN_MAX_AGE": _int(get("SAMPLE_TOKEN_MAX_AGE"), 60 * 86400),
    }


def _operations_settings(get):
    """Logs, metrics and error reports (docs/operations.md)."""
    log_format = get("LOG_FORMAT", "text").strip().lower()
    if log_format not in ("text", "json"):
        raise RuntimeError(f"LOG_FORMAT={log_format!r}: set it to text or json.")
    return {
        "LOG_FORMAT": log_format,
        # /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
        "METRICS_TOKEN": get("METRICS_TOKEN") or None,
        "SENTRY_DSN": get("SENTRY_DSN") or None,
    }


def _accessibility_settings(get):
    """The accessibility statement at /accessibilite (docs/accessibility.md)."""
    return {
        "ACCESSIBILITY_ENTITY": get("ACCESSIBILITY_ENTITY", "Pétitions French Tech"),
        "ACCESSIBILITY_CONTACT": get("ACCESSIBILITY_CONTACT") or None,
        # The last full RGAA audit, by the operator: without it, "non conforme".
        "ACCESSIBILITY_RGAA_RATE": _float(get("ACCESSIBILITY_RGAA_RATE"), None),
        "ACCESSIBILITY_RGAA_DATE": _date(get("ACCESSIBILITY_RGAA_DATE")),
        # The automated audit's facts, written by `make audit`.
        "ACCESSIBILITY_REPORT": get(
            "ACCESSIBILITY_REPORT", str(ROOT / "docs" / "accessibility-audit.json")
        ),
    }


def _stream_and_body_settings(get):
    """Live streams (README: Live counters) and request body limits (README:
    Security and privacy): what one client, or all of them, may hold."""
    return {
        "SSE_HEARTBEAT": _float(get("SSE_HEARTBEAT"), 15.0),
        "SSE_MAX_AGE": _float(get("SSE_MAX_AGE"), 300.0),
        "SSE_RETRY_MS": _int(get("SSE_RETRY_MS"), 3000),
        # Streams per process; None: 1000 under gevent, half of WEB_THREADS under
        # threads (services/live.py, max_streams).
        "SSE_MAX_STREAMS": _int(get("SSE_MAX_STREAMS"), None),
        "SSE_MAX_PER_CLIENT": _int(get("SSE_MAX_PER_CLIENT"), 10),
        "SSE_RETRY_AFTER": _int(get("SSE_RETRY_AFTER"), 30),
        "WEB_THREADS": _int(get("WEB_THREADS"), 8),  # gunicorn.conf.py's threads
        # Each process's micro-cache of counts (services/local_counts.py):
        # seconds an entry lives, petitions kept, unknown slugs kept.
        "COUNT_LOCAL_TTL": _float(get("COUNT_LOCAL_TTL"), 1.0),
        "COUNT_LOCAL_SIZE": _int(get("COUNT_LOCAL_SIZE"), 1000),
        "COUNT_LOCAL_MISSING_SIZE": _int(get("COUNT_LOCAL_MISSING_SIZE"), 1000),
        # Seconds at most each process keeps the overview's rows between two
        # changes of any count (services/overview.py).
        "OVERVIEW_TTL": _float(get("OVERVIEW_TTL"), 30.0),
        # Every form is a few KiB: a larger body is refused (413) before it is read.
        "MAX_CONTENT_LENGTH": _int(get("MAX_CONTENT_LENGTH"), 256 * 1024),
        # The export check page takes a CSV and its manifest (uploads.body_limit).
        "EXPORT_CHECK_MAX_BYTES": _int(get("EXPORT_CHECK_MAX_BYTES"), 256 * 1024 * 1024),
        # The paper import takes a CSV made from the template (forms/paper_csv.py).
        "PAPER_IMPORT_MAX_BYTES": _int(get("PAPER_IMPORT_MAX_BYTES"), 2 * 1024 * 1024 + 64 * 1024),
    }


def _protection_settings(get):
    """Rate limits, soft signals, retention and the sweeper (README: Security and privacy)."""
    return {
        "RATELIMIT_ENABLED": _bool(get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_KEY_PREFIX": get("RATELIMIT_KEY_PREFIX", "petition-limits"),
        # None: REDIS_URL's Redis (create_app); `memory://` counts per process.
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE_URI") or None,
        # Redis down: the limits go on in each process's memory (login and reset
        # stay limited), and an error the fallback cannot absorb lets the request
        # through (nobody is stopped from signing).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "RATELIMIT_SIGN": get("RATELIMIT_SIGN", "10 per minute;40 per hour"),
        "RATELIMIT_SIGN_EVENT": get("RATELIMIT_SIGN_EVENT", "60 per minute;1000 per hour"),
        "RATELIMIT_EMAIL": get("RATELIMIT_EMAIL", "5 per hour;10 per day"),
        "RATELIMIT_TOKEN": get("RATELIMIT_TOKEN", "30 per minute;200 per hour"),
        # Per account, whatever the client address: failed passwords before login
        # goes through an emailed link, reset emails, seconds between sign-in emails.
        "RATELIMIT_LOGIN_ACCOUNT": get("RATELIMIT_LOGIN_ACCOUNT", "10 per hour"),
        "RATELIMIT_RESET_ACCOUNT": get("RATELIMIT_RESET_ACCOUNT", "3 per hour"),
        "SIGNIN_EMAIL_INTERVAL": _int(get("SIGNIN_EMAIL_INTERVAL"), 300),
        "EVENT_WINDOW_MAX_HOURS": _int(get("EVENT_WINDOW_MAX_HOURS"), 24),
        "ABUSE_WINDOW_MINUTES": _int(get("ABUSE_WINDOW_MINUTES"), 10),
        "ABUSE_IP_BURST": _int(get("ABUSE_IP_BURST"), 10),
        "ABUSE_DOMAIN_BURST": _int(get("ABUSE_DOMAIN_BURST"), 20),
        "UNCONFIRMED_RETENTION_DAYS": _int(get("UNCONFIRMED_RETENTION_DAYS"), 30),
        "AUDIT_RETENTION_DAYS": _int(get("AUDIT_RETENTION_DAYS"), 365),
        "SWEEP_LOST_AFTER": _int(get("SWEEP_LOST_AFTER"), 3600),
        "EMAIL_JOB_TIMEOUT": _int(get("EMAIL_JOB_TIMEOUT"), 120),
        # scheduler.py: the lease that makes exactly one scheduler enqueue chores.
        "SCHEDULER_LEASE_SECONDS": _float(get("SCHEDULER_LEASE_SECONDS"), 30.0),
    }


def _engine_options(get):
    """SQLAlchemy's engine options: the pool's defaults unless a variable says
    otherwise. DATABASE_PREPARED_STATEMENTS=off: psycopg 3 never prepares a
    statement on the server (`prepare_threshold=None`), which PgBouncer in
    transaction mode needs before 1.21 (docs/production.md)."""
    options = {
        "pool_size": _int(get("DATABASE_POOL_SIZE"), None),
        "max_overflow": _int(get("DATABASE_MAX_OVERFLOW"), None),
        "pool_timeout": _float(get("DATABASE_POOL_TIMEOUT"), None),
        "pool_recycle": _int(get("DATABASE_POOL_RECYCLE"), None),
    }
    options = {"pool_pre_ping": True} | {k: v for k, v in options.items() if v is not None}
    url = get("DATABASE_URL") or ""
    if url.startswith(("postgres", "postgresql")) and not _bool(
        get("DATABASE_PREPARED_STATEMENTS"), True
    ):
        options["connect_args"] = {"prepare_threshold": None}
    return options


def _list(value):
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _intervals(value, default):
    if not value:
        return default
    return [int(v) for v in value.split(",") if v.strip()]


def _database_url(url, instance):
    if not url:
        return f"sqlite:///{instance / 'petition.db'}"
    # Heroku-style URLs and plain postgresql:// use psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def limiter_storage_uri(redis_url):
    """REDIS_URL as Flask-Limiter's storage wants it: `unix://` (the embedded
    Redis) is spelled `redis+unix://` there."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def _load_dotenv():
    try:
        from dotenv import load_dotenv
    except ImportError:  # pragma: no cover - listed in requirements
        return
    load_dotenv(ROOT / ".env", override=False)


#: The environments the app knows. Only `production` changes behaviour (Secure
#: cookies, HSTS, a real SECRET_KEY required, no development mail page); `test`
#: is the suite's, `bench` the benchmarks'.
ENVIRONMENTS = ("development", "test", "bench", "production")


def app_env(value):
    """APP_ENV with spaces and case ignored; an unknown value stops the start.

    A typo must not fail open: `Production` or ` production` used to run as
    development (placeholder key accepted, /dev/mail/ served, no HSTS).
    """
    env = str(value).strip().lower()
    if env not in ENVIRONMENTS:
        raise RuntimeError(
            f"APP_ENV={value!r} is not a known environment. "
            f"Set APP_ENV to one of: {', '.join(ENVIRONMENTS)}."
        )
    return env


def check_environment(settings):
    """Normalise APP_ENV in the final settings (create_app overrides included);
    an unknown TIMEZONE stops the start rather than the first organizer page."""
    settings["APP_ENV"] = app_env(settings.get("APP_ENV", "development"))
    try:
        ZoneInfo(settings.get("TIMEZONE", "Europe/Paris"))
    except (ValueError, ZoneInfoNotFoundError):
        raise RuntimeError(
            f"TIMEZONE {settings.get('TIMEZONE')!r} is not a time zone (e.g. Europe/Paris)."
        ) from None


def check_production(settings):
    """Refuse to start production with a missing or development secret."""
    if settings.get("APP_ENV") != "production":
        return
    if settings.get("WEBHOOK_ALLOW_PRIVATE"):
        raise RuntimeError(
            "WEBHOOK_ALLOW_PRIVATE lets webhooks reach private addresses (SSRF): "
            "unset it before starting with APP_ENV=production."
        )
    key = settings.get("SECRET_KEY")
    if not key or key == DEV_SECRET_KEY or len(key) < 16:
        raise RuntimeError(
            "SECRET_KEY is missing or is the development default. "
            "Set SECRET_KEY to a long random value (e.g. "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`) "
            "before starting with APP_ENV=production."
        )
    ip_key = settings.get("IP_HASH_KEY")
    if ip_key and (ip_key == DEV_SECRET_KEY or len(ip_key) < 16):
        raise RuntimeError(
            "IP_HASH_KEY is the development default or shorter than 16 characters. "
            "Set it to a long random value, or leave it unset to use SECRET_KEY."
        )
