"""Settings from the environment: defaults, URL rewriting, production guard."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from petition import create_app
from petition.config import DEV_SECRET_KEY, ROOT, check_production, load_settings

PROD_KEY = "3f9c1e0b7a2d4c6e8f1a3b5c7d9e0f21"


def test_sqlite_under_instance_by_default():
    settings = load_settings({})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{ROOT / 'instance' / 'petition.db'}"


def test_instance_path_moves_the_sqlite_file(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'petition.db'}"


@pytest.mark.parametrize(
    "given,used",
    [
        (
            "postgres://u:p@db.example:5432/petitions",
            "postgresql+psycopg://u:p@db.example:5432/petitions",
        ),
        ("postgresql://postgres@127.0.0.1/test", "postgresql+psycopg://postgres@127.0.0.1/test"),
        ("postgresql+psycopg://x@h/d", "postgresql+psycopg://x@h/d"),
        ("sqlite:////var/lib/petition.db", "sqlite:////var/lib/petition.db"),
    ],
)
def test_database_url_uses_psycopg3(given, used):
    assert load_settings({"DATABASE_URL": given})["SQLALCHEMY_DATABASE_URI"] == used


def test_typed_values_from_strings():
    settings = load_settings(
        {
            "MAIL_PORT": "2525",
            "MAIL_USE_TLS": "true",
            "MAIL_USE_SSL": "0",
            "MAIL_RETRY_INTERVALS": "5, 10,60",
            "CONFIRM_TOKEN_MAX_AGE": "3600",
            "BASE_URL": "https://petitions.example.org/",
            "MAIL_USERNAME": "",
        }
    )
    assert settings["MAIL_PORT"] == 2525
    assert settings["MAIL_USE_TLS"] is True and settings["MAIL_USE_SSL"] is False
    assert settings["MAIL_RETRY_INTERVALS"] == [5, 10, 60]
    assert settings["CONFIRM_TOKEN_MAX_AGE"] == 3600
    assert settings["BASE_URL"] == "https://petitions.example.org", "no trailing slash"
    assert settings["MAIL_USERNAME"] is None


def test_development_defaults():
    settings = load_settings({})
    assert settings["APP_ENV"] == "development"
    assert settings["SECRET_KEY"] == DEV_SECRET_KEY
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["CONFIRM_TOKEN_MAX_AGE"] == 30 * 86400
    assert settings["MAX_EMAILS_PER_SIGNATURE"] == 5


@pytest.mark.parametrize("key", [None, "", DEV_SECRET_KEY, "short"])
def test_production_refuses_missing_or_default_secret(key):
    environ = {"APP_ENV": "production"}
    if key is not None:
        environ["SECRET_KEY"] = key
    settings = load_settings(environ)
    with pytest.raises(RuntimeError, match="SECRET_KEY is missing or is the development default"):
        check_production(settings)
    with pytest.raises(RuntimeError, match="Set SECRET_KEY to a long random value"):
        create_app({"APP_ENV": "production", "SECRET_KEY": settings["SECRET_KEY"]})


def test_production_accepts_a_real_secret():
    settings = load_settings({"APP_ENV": "production", "SECRET_KEY": PROD_KEY})
    check_production(settings)
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_production_server_will_not_start_without_secret(tmp_path):
    """What an operator sees: the WSGI module fails to import, with the reason."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    # An empty SECRET_KEY also keeps a developer's .env from filling it in.
    env.update(APP_ENV="production", SECRET_KEY="", INSTANCE_PATH=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is missing or is the development default" in result.stderr
    assert not (Path(tmp_path) / "petition.db").exists(), "nothing was created"


@pytest.mark.parametrize(
    "redis_url,storage",
    [
        (
            "unix:///tmp/petition-redis-x/redis.sock",
            "redis+unix:///tmp/petition-redis-x/redis.sock",
        ),
        ("redis://127.0.0.1:6380/0", "redis://127.0.0.1:6380/0"),
        ("rediss://cache.example:6380/1", "rediss://cache.example:6380/1"),
    ],
)
def test_rate_limit_storage_follows_redis_url(redis_url, storage):
    """The embedded Redis is a unix socket; the limiter spells that redis+unix://."""
    app = create_app({"REDIS_URL": redis_url})
    assert app.config["RATELIMIT_STORAGE_URI"] == storage


# --- APP_ENV: normalised, and an unknown value stops the start ---------------


@pytest.mark.parametrize("spelling", ["Production", " production", "PRODUCTION\n", "\tproduction "])
def test_app_env_typos_of_production_still_mean_production(spelling, tmp_path, monkeypatch):
    """`Production` used to run as development: placeholder key accepted,
    /dev/mail/ served, no HSTS, cookies without Secure."""
    settings = load_settings({"APP_ENV": spelling})
    assert settings["APP_ENV"] == "production"
    assert settings["SESSION_COOKIE_SECURE"] is True
    with pytest.raises(RuntimeError, match="SECRET_KEY is missing"):
        check_production(settings)
    with pytest.raises(RuntimeError, match="SECRET_KEY is missing"):
        create_app({"APP_ENV": spelling, "SECRET_KEY": DEV_SECRET_KEY})

    monkeypatch.setenv("APP_ENV", spelling)
    monkeypatch.setenv("DEV_MAIL_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", PROD_KEY)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ATTESTATIONS_ENABLED", "0")
    app = create_app()
    assert app.config["APP_ENV"] == "production"
    assert not any(r.rule.startswith("/dev/mail") for r in app.url_map.iter_rules())
    response = app.test_client().get("/dev/mail/")
    assert response.status_code == 404
    assert "max-age=" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize("value", ["prod", "staging", "", " ", "développement", "production!"])
def test_an_unknown_app_env_refuses_to_start(value, monkeypatch):
    with pytest.raises(RuntimeError, match="is not a known environment") as refused:
        load_settings({"APP_ENV": value})
    assert "development, test, bench, production" in str(refused.value)
    with pytest.raises(RuntimeError, match="is not a known environment"):
        create_app({"APP_ENV": value, "SECRET_KEY": PROD_KEY})
    monkeypatch.setenv("APP_ENV", value)
    with pytest.raises(RuntimeError, match="is not a known environment"):
        create_app({"SECRET_KEY": PROD_KEY})


@pytest.mark.parametrize("value", ["development", "test", "bench", "production", " Test "])
def test_known_app_envs_start(value):
    app = create_app({"APP_ENV": value, "SECRET_KEY": PROD_KEY, "ATTESTATIONS_ENABLED": False})
    assert app.config["APP_ENV"] == value.strip().lower()


def test_server_with_a_misspelt_app_env_will_not_start(tmp_path):
    """What an operator sees: the WSGI module fails to import, with the reason."""
    env = dict(os.environ, APP_ENV="prod", SECRET_KEY=PROD_KEY, INSTANCE_PATH=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "APP_ENV='prod' is not a known environment" in result.stderr


# --- docs/configuration.md: every documented variable does something ----------

CONFIGURATION = ROOT / "docs" / "configuration.md"
#: Sections whose variables other programs read (gunicorn.conf.py, `make run`):
#: tests/test_docs.py finds them in that code.
NOT_THE_APP = ("gunicorn", "`make run`")
#: Values tried in turn until one parses; a variable the app reads changes a setting.
SAMPLES = [
    "7",
    "2.5",
    "on",
    "off",
    "json",
    "2031-02-03",
    "test",
    "a-long-value-0123456789,b-0123456789",
]
#: Variables a library reads from the environment itself, and where our code relies on it.
READ_BY_A_LIBRARY = {"PROMETHEUS_MULTIPROC_DIR": ROOT / "petition" / "telemetry" / "metrics.py"}
#: What a variable needs around it to matter (PgBouncer's applies to PostgreSQL only).
CONTEXT = {"DATABASE_PREPARED_STATEMENTS": {"DATABASE_URL": "postgresql://app@db.example/petition"}}


def documented_app_variables():
    """The first cell of each row of the app's variable tables, by section."""
    names, section, in_table = [], "", False
    for line in CONFIGURATION.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section, in_table = line[3:], False
        elif line.startswith("| variable |"):
            in_table = not section.startswith(NOT_THE_APP)
        elif in_table and line.startswith("| `"):
            names.append(line.split("`")[1])
        elif not line.startswith("|"):
            in_table = False
    return names


def test_the_app_tables_are_walked():
    names = documented_app_variables()
    assert {"SECRET_KEY", "LOG_LEVEL", "SSE_HEARTBEAT", "COUNT_LOCAL_TTL"} <= set(names)
    assert {"INSTANCE_PATH", "RATELIMIT_STORAGE_URI", "DATABASE_POOL_SIZE"} <= set(names)
    assert "GUNICORN_BIND" not in names, "gunicorn.conf.py's own are checked in test_docs"


@pytest.mark.parametrize("name", documented_app_variables())
def test_every_documented_variable_changes_the_settings(name):
    if name in READ_BY_A_LIBRARY:
        code = READ_BY_A_LIBRARY[name].read_text(encoding="utf-8")
        assert f'os.environ.get("{name}")' in code, f"{name} is documented but never read"
        return
    context = CONTEXT.get(name, {})
    default = load_settings(context)
    for value in SAMPLES:
        try:
            settings = load_settings({**context, name: value})
        except (ValueError, RuntimeError):
            continue  # not this kind of value
        if settings != default:
            return
    pytest.fail(f"docs/configuration.md documents {name}, but setting it changes nothing")


def test_instance_path_is_the_apps_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.instance_path == str(tmp_path.resolve())


def test_pool_log_level_and_limiter_storage_from_the_environment(monkeypatch):
    settings = load_settings(
        {
            "DATABASE_POOL_SIZE": "20",
            "DATABASE_MAX_OVERFLOW": "0",
            "DATABASE_POOL_TIMEOUT": "2.5",
            "DATABASE_POOL_RECYCLE": "1800",
            "LOG_LEVEL": "warning",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "pool_size": 20,
        "max_overflow": 0,
        "pool_timeout": 2.5,
        "pool_recycle": 1800,
    }
    assert settings["LOG_LEVEL"] == "WARNING"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"
