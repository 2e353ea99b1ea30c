"""Input rules of a sample audit (the organizer's page)."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from .base import BaseForm

#: The most signers one audit may email (a bound on the work one click queues).
MAX_SAMPLE = 10000


class SampleAuditForm(BaseForm):
    size = IntegerField(
        _l("Taille de l’échantillon"),
        validators=[
            InputRequired(_l("Indiquez combien de signataires tirer au sort.")),
            NumberRange(
                min=1,
                max=MAX_SAMPLE,
                message=_l("Indiquez un nombre entre 1 et %(max)s.", max=MAX_SAMPLE),
            ),
        ],
    )


class CloseAuditForm(BaseForm):
    """The close button: CSRF only."""
