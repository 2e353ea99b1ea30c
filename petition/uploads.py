"""How large a request body may be: small everywhere, larger only where a view says so.

MAX_CONTENT_LENGTH (256 KiB) covers every form of the site. Werkzeug refuses a
larger body with 413 before reading it (from its Content-Length, or as soon as
a chunked body passes the limit), so nothing reaches memory or a temporary
file. A view that takes a real upload (an organizer's CSV import, later) is
marked with `@body_limit("SETTING")` and gets `app.config[SETTING]` instead.

The limit must be set before anything reads the form, and Flask-WTF's CSRF
check reads it in a `before_request`: `init_app` must run before
`csrf.init_app`.
"""

from flask import current_app, request


def body_limit(setting):
    """Let the decorated view accept bodies up to `app.config[setting]` bytes."""

    def mark(view):
        view.body_limit_setting = setting
        return view

    return mark


def _apply_view_limit():
    view = current_app.view_functions.get(request.endpoint)
    setting = getattr(view, "body_limit_setting", None)
    if setting is not None:
        request.max_content_length = current_app.config[setting]


def init_app(app):
    app.before_request(_apply_view_limit)
