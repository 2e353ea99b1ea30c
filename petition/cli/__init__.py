"""`flask` commands, one module per group: petitions.py (`flask petition …`),
privacy.py (`flask privacy …`), mail.py (`flask mail …`), organizers.py
(`flask organizer …`), geo.py (`flask geo …`), keys.py (`flask keys …`) and
sirene.py (`flask sirene …`). Each
command is non-interactive and prints what it did."""

from .geo import geo_cli
from .keys import keys_cli
from .mail import mail_cli
from .organizers import organizer_cli
from .petitions import petition_cli
from .privacy import privacy_cli
from .sirene import sirene_cli


def init_app(app):
    for group in (
        petition_cli,
        privacy_cli,
        mail_cli,
        organizer_cli,
        geo_cli,
        keys_cli,
        sirene_cli,
    ):
        app.cli.add_command(group)
