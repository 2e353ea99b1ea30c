"""Absolute URLs outside a request (emails, embed snippets), from BASE_URL."""

from flask import current_app, has_request_context, url_for


def external_url(endpoint, **values):
    """`BASE_URL` + the endpoint's path: what a signer's mail client will open."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        current_app.inject_url_defaults(endpoint, values)
        path = _builder().build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def _builder():
    """The app's URL map bound once. A test request context per link (the
    obvious way) cost ~0.5 ms, and an email holds four links: the worker
    spent a fifth of each confirmation email there."""
    app = current_app._get_current_object()
    builder = app.extensions.get("url_builder")
    if builder is None:
        builder = app.extensions["url_builder"] = app.url_map.bind("localhost", script_name="/")
    return builder
