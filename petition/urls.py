"""Absolute URLs outside a request (emails, embed snippets), from BASE_URL."""
from flask import current_app, has_request_context, url_for


def external_url(endpoint, **values):
    """`BASE_URL` + the endpoint's path: what a signer's mail client will open."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"] + path
