"""Blueprints: thin views, one service call each."""

from . import (  # noqa: F401 (kit: routes on share.bp)
    api,
    embed,
    health,
    kit,
    metrics,
    news,
    panorama,
    panorama_data,
    public,
    results,
    sample,
    share,
    verifier,
)
from .organizer import bp as organizer_bp
from .organizer import protection


def blueprints(app):
    found = [public.bp, organizer_bp, health.bp, protection.bp, api.bp, embed.bp, share.bp]
    found += [metrics.bp, news.bp, results.bp, verifier.bp, sample.bp]
    found += [panorama.bp, panorama_data.bp]
    if app.config.get("DEV_MAIL_DIR") and app.config["APP_ENV"] != "production":
        from ..dev import mail as dev_mail  # dev only: production never imports petition.dev

        found.append(dev_mail.bp)
    return found
