"""Organizer forms of abuse resistance: event windows and bulk invalidation."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .base import BaseForm


class EventWindowForm(BaseForm):
    label = StringField(_l("Nom de l’événement"), validators=[Optional(), Length(max=120)])
    hours = IntegerField(
        _l("Durée (heures)"),
        default=4,
        validators=[
            InputRequired(_l("Indiquez une durée en heures.")),
            NumberRange(min=1, max=720, message=_l("Indiquez une durée d’au moins une heure.")),
        ],
    )
    scope = RadioField(
        _l("Pour qui"),
        default="here",
        choices=[
            SelectChoice("here", _l("Le réseau d’où j’écris (le Wi-Fi du lieu)")),
            SelectChoice("ip", _l("Une adresse IP précise")),
            SelectChoice("link", _l("Seulement le lien QR de l’événement")),
        ],
    )
    ip = StringField(
        _l("Adresse IP (si « une adresse IP précise »)"), validators=[Optional(), Length(max=45)]
    )
    submit = SubmitField(_l("Ouvrir la fenêtre"))


class ActionForm(BaseForm):
    """A button: only the CSRF token is needed."""

    submit = SubmitField(_l("Confirmer"))
