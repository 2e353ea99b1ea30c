"""Blueprints: thin views, one service call each."""


def blueprints(app):
    from . import public

    found = [public.bp]
    from .organizer import blueprint as organizer_blueprint

    found.append(organizer_blueprint())
    from . import health
    from .organizer import protection

    found += [health.bp, protection.bp]
    from . import api, embed, share

    found += [api.bp, embed.bp, share.bp]
    if app.config.get("DEV_MAIL_DIR") and app.config["APP_ENV"] != "production":
        from ..dev import mail as dev_mail  # dev only: production never imports petition.dev

        found.append(dev_mail.bp)
    return found
