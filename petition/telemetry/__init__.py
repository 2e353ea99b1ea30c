"""What an operator watches: logs (one JSON line per event when LOG_FORMAT=json),
a request id on every request and response, Prometheus metrics, and optional
error reports to Sentry with no personal data (docs/operations.md)."""

from . import logs, metrics, middleware, sentry


def init_app(app):
    """Call last in create_app: the middleware wraps every other one (the
    count replay included), so every response carries its request id."""
    logs.init_app(app)
    sentry.init_app(app)
    metrics.init_app(app)
    app.wsgi_app = middleware.RequestTelemetry(app.wsgi_app)
