"""Input rules of the news an organizer writes to signers."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from .base import BaseForm, strip


class UpdateForm(BaseForm):
    title = StringField(
        _l("Titre"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez le titre.")), Length(max=200)],
    )
    body = TextAreaField(
        _l("Message (Markdown)"),
        filters=[strip],
        validators=[
            DataRequired(_l("Écrivez le message.")),
            Length(max=20000, message=_l("20 000 caractères au plus.")),
        ],
        render_kw={"rows": 12},
    )
    preview = SubmitField(_l("Prévisualiser"))
    save = SubmitField(_l("Enregistrer le brouillon"))


class ActionForm(BaseForm):
    """A button of the update page (test send, send, cancel): CSRF only."""
