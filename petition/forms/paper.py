"""Input rules of a paper signature: the signing form's fields (the same
rules), the email optional, plus the sheet reference, the day and the event
it was collected at. The CSV import (forms/paper_csv.py) checks each row with
this same form."""

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import logtext
from .base import BaseForm, ValidEmail, strip
from .public import SIGNER_FIELDS, SignForm

SHEET_REF = re.compile(r"^[A-Z0-9][A-Z0-9 ._/-]{0,19}$")
#: The fields a paper signature keeps, as the service receives them.
FIELDS = (*SIGNER_FIELDS, "sheet_ref", "event_name")


def normal_sheet_ref(value):
    """ "f12 - l3" and "F12-L3" are one reference: upper case, no spaces around dashes."""
    if not isinstance(value, str):
        return value
    return re.sub(r"\s*([-/])\s*", r"\1", " ".join(value.split())).upper()


def parse_day(text):
    """A day typed as AAAA-MM-JJ (the native date input) or JJ/MM/AAAA (a spreadsheet)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class DayText(StringField):
    """A native date input (`type=date`); `.value` is the date, or None."""

    value: date | None = None

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "date")
        return super().__call__(**kwargs)

    def pre_validate(self, form):
        self.value = parse_day((self.data or "").strip())
        if self.data and self.value is None:
            raise ValidationError(_l("Date invalide (format JJ/MM/AAAA)."))


class PaperForm(SignForm):
    email = EmailField(
        _l("Adresse e-mail (facultatif)"),
        filters=[strip],
        validators=[Optional(), Length(max=254), ValidEmail()],
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )
    sheet_ref = StringField(
        _l("Référence sur la feuille (ex. F12-L3 : feuille 12, ligne 3)"),
        filters=[strip, normal_sheet_ref],
        validators=[DataRequired(_l("Indiquez la référence de la feuille.")), Length(max=20)],
        render_kw={"autocomplete": "off", "maxlength": 20},
    )
    collected_on = DayText(
        _l("Recueillie sur papier le"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez le jour de la collecte."))],
    )
    event_name = StringField(
        _l("Lors de (événement)"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez l’événement de la collecte.")), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    # Collected on paper: consent and the public list are on the sheet, not here.
    public = None
    news = None
    consent = None
    website = None
    submit = SubmitField(_l("Enregistrer la signature"))

    def validate_sheet_ref(self, field):
        if field.data and not SHEET_REF.match(field.data):
            raise ValidationError(
                _l("Référence de feuille invalide : lettres, chiffres et tirets (ex. F12-L3).")
            )

    def validate_collected_on(self, field):
        today = datetime.now(logtext.zone()).date()
        if field.value and field.value > today:
            raise ValidationError(_l("La date de collecte ne peut pas être dans le futur."))

    def cleaned(self):
        """The row as services/paper.py records it."""
        data = {name: self[name].data or None for name in FIELDS}
        data["category"] = self.category.data
        data["collected_on"] = self.collected_on.value
        data["commune"] = self.placement.commune.name
        data["insee"] = self.placement.commune.code
        data["local"] = self.placement.local
        return data


class PaperImportForm(BaseForm):
    csv_file = FileField(
        _l("Fichier CSV (modèle rempli)"),
        validators=[FileRequired(_l("Choisissez le fichier CSV."))],
    )
    collected_on = DayText(
        _l("Recueillies le (si la colonne est vide)"), filters=[strip], validators=[Optional()]
    )
    event_name = StringField(
        _l("Lors de (si la colonne est vide)"),
        filters=[strip],
        validators=[Optional(), Length(max=120)],
    )
    submit = SubmitField(_l("Importer"))

    def __init__(self, *args, **kwargs):
        # Its fields beside the one-by-one form's on one page: ids apart.
        kwargs.setdefault("prefix", "import")
        super().__init__(*args, **kwargs)
