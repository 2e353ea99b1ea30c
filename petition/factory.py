"""The app factory: `create_app()` builds the app; nothing runs at import."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    auth,
    cli,
    errors,
    extensions,
    fastpath,
    i18n,
    jobs,
    keys,
    labels,
    logtext,
    numbers,
    ratelimits,
    routing,
    security,
    sessions,
    sqlite,
    telemetry,
    uploads,
)
from .config import ROOT, check_environment, check_production, limiter_storage_uri, load_settings
from .extensions import babel, csrf, db, limiter, migrate
from .views import blueprints


def create_app(overrides=None):
    """Build the app: config -> extensions -> blueprints -> errors -> CLI.

    `overrides` (a dict) wins over the environment; tests pass theirs here.
    """
    settings = load_settings()
    settings.update(overrides or {})
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(settings["INSTANCE_PATH"]),
    )
    app.config.update(settings)
    if not app.config.get("IP_HASH_KEY"):
        app.config["IP_HASH_KEY"] = app.config["SECRET_KEY"]
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = limiter_storage_uri(app.config["REDIS_URL"])
    check_environment(app.config)
    check_production(app.config)
    keys.check_production_key(app)
    if app.config.get("PROXY_COUNT"):
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_ratelimits(app)
    fastpath.init_app(app)  # replays unchanged count responses
    telemetry.init_app(app)  # logs, metrics, error reports; the outermost middleware
    return app


def register_ratelimits(app):
    """Rate limits on the registered views, the 429 page, event QR tokens."""
    ratelimits.init_app(app)


def register_extensions(app):
    sqlite.install()  # WAL + synchronous=NORMAL on every SQLite connection
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    extensions.mail.init_app(app)  # not `mail`: here that is the petition.mail package
    uploads.init_app(app)  # before the CSRF check, which reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    app.extensions["redis"] = jobs.make_redis(app.config["REDIS_URL"])
    i18n.init_app(app)
    numbers.init_app(app)
    labels.init_app(app)
    logtext.init_app(app)
    security.init_app(app)
    auth.init_app(app)  # Flask-Login: organizer sessions
    sessions.init_app(app)  # none on public paths that shared caches keep


def register_blueprints(app):
    routing.init_app(app)  # bounded <int:...> before the first rule is added
    for blueprint in blueprints(app):
        app.register_blueprint(blueprint)


def register_errorhandlers(app):
    errors.init_app(app)


def register_commands(app):
    cli.init_app(app)
