"""The petition platform. `create_app()` builds the app (petition/factory.py).

The package itself imports nothing, so `python -m petition.verify` (the
offline attestation check) runs where only `cryptography` is installed.
"""


def create_app(overrides=None):
    """Build the app: config -> extensions -> blueprints -> errors -> CLI.

    `overrides` (a dict) wins over the environment; tests pass theirs here.
    """
    from .factory import create_app as build  # lazy: the offline verifier needs no Flask

    return build(overrides)
