"""The app factory: `create_app()` builds the app; nothing runs at import."""

import logging

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
    numbers,
    ratelimits,
    routing,
    security,
    sqlite,
    uploads,
)
from .config import ROOT, check_environment, check_production, limiter_storage_uri, load_settings
from .extensions import babel, csrf, db, limiter, migrate
from .views import blueprints


def create_app(overrides=None):
    """Build the app: config -> extensions -> blueprints -> errors -> CLI.

    `overrides` (a dict) wins over the environment; tests pass theirs here.
    """
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_settings())
    if overrides:
        app.config.update(overrides)
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    check_environment(app.config)
    check_production(app.config)
    keys.check_production_key(app)
    if app.config.get("PROXY_COUNT"):
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    _configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_ratelimits(app)
    fastpath.init_app(app)  # outermost: replays unchanged count responses
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
    security.init_app(app)
    auth.init_app(app)  # Flask-Login: organizer sessions


def register_blueprints(app):
    routing.init_app(app)  # bounded <int:...> before the first rule is added
    for blueprint in blueprints(app):
        app.register_blueprint(blueprint)


def register_errorhandlers(app):
    errors.init_app(app)


def register_commands(app):
    cli.init_app(app)


def _configure_logging(app):
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=app.config.get("LOG_LEVEL", "INFO"),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
