"""Input rules of the public forms (signing). Messages are in the user's language."""

import re

from flask_babel import lazy_gettext as _l
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .. import text
from ..categories import LABELS
from ..geo import placing
from ..models import CATEGORIES
from .base import POSTAL_CODE, BaseForm, ValidEmail, strip


class NotDisposable:
    """Throwaway-mail domains (the maintained `disposable-email-domains` list)
    and their subdomains are refused: a signature must reach a real person."""

    def __call__(self, form, field):
        from disposable_email_domains import blocklist

        domain = (field.data or "").rpartition("@")[2].strip().lower().rstrip(".")
        parts = domain.split(".")
        if any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1)):
            raise ValidationError(
                _l(
                    "Les adresses e-mail jetables ne sont pas acceptées : "
                    "utilisez une adresse que vous consultez."
                )
            )


def valid_siren_or_siret(form, field):
    digits = re.sub(r"\s+", "", field.data or "")
    if not digits:
        return
    if len(digits) == 9 and stdnum_siren.is_valid(digits):
        field.data = digits
        return
    if len(digits) == 14 and stdnum_siret.is_valid(digits):
        field.data = digits
        return
    raise ValidationError(
        _l("Numéro SIREN (9 chiffres) ou SIRET (14 chiffres) invalide : vérifiez la clé.")
    )


#: What a signer types that the signature keeps, online or on paper (forms/paper.py).
SIGNER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "postal_code",
    "category",
    "organisation",
    "siren",
)


def valid_postal_code(form, field):
    if not POSTAL_CODE.match(field.data or ""):
        raise ValidationError(_l("Le code postal doit comporter 5 chiffres (ex. 42000)."))


class SignForm(BaseForm):
    # Names and organisation are shown on the public list and put in emails sent
    # to any typed address: NFKC, no invisible or stacked characters, no links.
    first_name = StringField(
        _l("Prénom"),
        filters=[text.name],
        validators=[DataRequired(_l("Indiquez votre prénom.")), Length(max=100), text.PersonName()],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        _l("Nom"),
        filters=[text.name],
        validators=[DataRequired(_l("Indiquez votre nom.")), Length(max=100), text.PersonName()],
        render_kw={"autocomplete": "family-name"},
    )
    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Length(max=254),
            ValidEmail(),
            NotDisposable(),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    postal_code = StringField(
        _l("Code postal"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez votre code postal.")), valid_postal_code],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 5},
    )
    commune = SelectField(_l("Commune"), choices=[], validate_choice=False)
    category = SelectField(
        _l("Vous êtes"),
        choices=[],
        validate_choice=False,  # validate_category says it better
        validators=[InputRequired(_l("Choisissez une catégorie."))],
    )
    organisation = StringField(
        _l("Organisation (facultatif)"),
        filters=[text.name],
        validators=[Optional(), Length(max=200), text.PersonName()],
        render_kw={"autocomplete": "organization"},
    )
    siren = StringField(
        _l("SIREN ou SIRET (facultatif)"),
        filters=[strip],
        validators=[Optional(), Length(max=20), valid_siren_or_siret],
        render_kw={"inputmode": "numeric"},
    )
    public = BooleanField(_l("Afficher mon nom sur la liste publique des soutiens"))
    # Off by default and apart from consent: signing never subscribes anyone.
    news = BooleanField(_l("Recevoir par e-mail les nouvelles de cette pétition (facultatif)"))
    consent = BooleanField(
        _l("J'accepte le traitement de mes données pour cette pétition"),
        validators=[DataRequired(_l("Votre accord est nécessaire pour signer."))],
    )
    # Honeypot: hidden from people, filled by naive bots.
    website = StringField(_l("Ne pas remplir"), filters=[strip])
    submit = SubmitField(_l("Je signe"))

    def __init__(self, petition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.petition = petition
        self.placement = None
        self.category.choices = [("", _l("— Choisir —"))] + [
            (key, LABELS[key]) for key in CATEGORIES
        ]
        self.commune.choices = [("", _l("— Selon le code postal —"))] + commune_choices(
            petition, self.postal_code.data
        )

    def validate_category(self, field):
        if field.data not in CATEGORIES:
            raise ValidationError(_l("Choisissez une catégorie dans la liste."))

    def validate_postal_code(self, field):
        if POSTAL_CODE.match(field.data or "") and not placing.candidates(
            self.petition, field.data
        ):
            raise ValidationError(
                _l("Aucune commune n’a le code postal %(code)s : vérifiez-le.", code=field.data)
            )

    def validate_commune(self, field):
        """The server decides: a commune that contradicts the postal code is refused."""
        if self.postal_code.errors or not POSTAL_CODE.match(self.postal_code.data or ""):
            return
        try:
            self.placement = placing.place(self.petition, self.postal_code.data, field.data)
        except placing.PlacingError as exc:
            names = ", ".join(c.commune.name for c in exc.args[2])
            if exc.kind == "choose":
                raise ValidationError(
                    _l(
                        "Plusieurs communes ont le code postal %(code)s : choisissez la vôtre.",
                        code=self.postal_code.data,
                    )
                ) from None
            raise ValidationError(
                _l(
                    "Cette commune n’a pas le code postal %(code)s (communes de ce code : "
                    "%(names)s) : corrigez le code postal ou la commune.",
                    code=self.postal_code.data,
                    names=names,
                )
            ) from None


def commune_choices(petition, postal_code):
    """(INSEE code, label) of the communes a postal code serves, outside ones marked."""
    if not POSTAL_CODE.match(postal_code or ""):
        return []
    return [
        (
            c.commune.code,
            c.commune.name if c.local else _l("%(name)s (hors territoire)", name=c.commune.name),
        )
        for c in placing.candidates(petition, postal_code)
    ]
