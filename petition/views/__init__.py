"""Blueprints: thin views, one service call each."""


def blueprints(app):
    from . import public

    found = [public.bp]
    from . import abuse, health

    found += [health.bp, abuse.bp]
    if app.config.get("DEV_MAIL_DIR") and app.config["APP_ENV"] != "production":
        from . import devmail

        found.append(devmail.bp)
    return found
