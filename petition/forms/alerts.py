"""Input rules of the dashboard's milestone and webhook forms."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..models import MilestoneKind, WebhookEvent
from .base import BaseForm, strip
from .organizer import MultiCheckbox

EVENT_LABELS = {
    WebhookEvent.MILESTONE: _l("Palier atteint"),
    WebhookEvent.DAILY: _l("Résumé quotidien"),
    WebhookEvent.CLOSED: _l("Pétition close"),
}


class MilestoneForm(BaseForm):
    value = IntegerField(
        _l("Nouveau palier"),
        validators=[
            InputRequired(_l("Indiquez un nombre entier.")),
            NumberRange(min=1, max=10_000_000, message=_l("Un nombre de 1 à 10 000 000.")),
        ],
    )
    kind = SelectField(
        _l("Unité"),
        choices=[
            SelectChoice(MilestoneKind.COUNT, _l("signatures")),
            SelectChoice(MilestoneKind.PERCENT, _l("pour cent de l’objectif")),
        ],
    )
    submit = SubmitField(_l("Ajouter le palier"))


class WebhookForm(BaseForm):
    url = StringField(
        _l("Adresse (https://…)"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez l’adresse.")), Length(max=500)],
        render_kw={"inputmode": "url", "autocomplete": "off"},
    )
    events = MultiCheckbox(
        _l("Événements"),
        choices=[SelectChoice(value, label) for value, label in EVENT_LABELS.items()],
        default=[WebhookEvent.MILESTONE],
        validators=[DataRequired(_l("Choisissez au moins un événement."))],
    )
    submit = SubmitField(_l("Ajouter l’adresse"))
