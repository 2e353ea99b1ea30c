"""Input rules of the panorama: an organisation's profile, the organiser's choices."""

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import text
from ..categories import LABELS
from ..models import Licence
from .base import BaseForm, strip

DESCRIPTION_MAX = 500
WEBSITE_MAX = 300


def _description(form, field):
    value = field.data or ""
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValidationError(_l("Le texte contient des caractères non autorisés."))
    if text.has_link(value):
        raise ValidationError(
            _l("Pas d’adresse web dans la description : indiquez-la dans le champ « Site web ».")
        )


def _website(form, field):
    value = field.data or ""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        raise ValidationError(
            _l("Indiquez une adresse web complète, commençant par https:// ou http://.")
        )
    if parts.username or parts.password or any(c.isspace() for c in value):
        raise ValidationError(
            _l("Indiquez une adresse web complète, commençant par https:// ou http://.")
        )


class ProfileForm(BaseForm):
    description = TextAreaField(
        _l("Activité de l’organisation (texte simple)"),
        filters=[strip],
        validators=[
            DataRequired(_l("Décrivez l’activité en quelques mots.")),
            Length(max=DESCRIPTION_MAX, message=_l("500 caractères au plus.")),
            _description,
        ],
        render_kw={"rows": 5, "maxlength": DESCRIPTION_MAX},
    )
    website = StringField(
        _l("Site web (facultatif)"),
        filters=[strip],
        validators=[Optional(), Length(max=WEBSITE_MAX), _website],
        render_kw={"inputmode": "url", "autocomplete": "url", "maxlength": WEBSITE_MAX},
    )
    category = SelectField(
        _l("Catégorie"),
        choices=[SelectChoice(key, label) for key, label in LABELS.items()],
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Publier dans le panorama"))


class HideForm(BaseForm):
    """A hide / show button of the organiser's panorama page: CSRF only."""


class LicenceForm(BaseForm):
    licence = SelectField(
        _l("Licence des données ouvertes (CSV)"),
        choices=[SelectChoice(key, name) for key, name in Licence.NAMES.items()],
    )
    save = SubmitField(_l("Enregistrer la licence"))
