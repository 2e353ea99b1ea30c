"""Input rules of the organizer pages."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from .. import logtext
from ..models import PetitionState
from ..sirene import display as register_display
from .base import BaseForm, ValidEmail, strip


class LoginForm(BaseForm):
    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez votre adresse e-mail.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Indiquez votre mot de passe."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté·e sur cet appareil"))
    submit = SubmitField(_l("Se connecter"))


class EmailForm(BaseForm):
    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Length(max=254),
            ValidEmail(),
        ],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Envoyer"))


class PasswordForm(BaseForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(min=12, max=200, message=_l("Au moins 12 caractères.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Le même, une seconde fois"),
        validators=[EqualTo("password", _l("Les deux mots de passe diffèrent."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))


def _local_datetime(value):
    """`YYYY-MM-DDTHH:MM` (a native date-time input, or a date) in the local
    time zone (TIMEZONE) -> aware datetime in UTC, as the database keeps it."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(_l("Date invalide (format AAAA-MM-JJ HH:MM).")) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=logtext.zone())
    return parsed.astimezone(UTC)


def local_input(value):
    """A stored (UTC) time as a native date-time input shows it: local, to the minute."""
    shown = logtext.local(value)
    return shown.strftime("%Y-%m-%dT%H:%M") if shown else ""


class DateTimeText(StringField):
    """A native date-time input (`type=datetime-local`) in the local time zone;
    `.value` is the aware datetime in UTC, or None."""

    value = None

    def __call__(self, **kwargs):
        kwargs.setdefault("type", "datetime-local")
        return super().__call__(**kwargs)

    def pre_validate(self, form):
        self.value = _local_datetime((self.data or "").strip())


class PetitionForm(BaseForm):
    slug = StringField(
        _l("Adresse courte"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez l'adresse courte.")), Length(max=80)],
    )
    title = StringField(
        _l("Titre"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez le titre.")), Length(max=200)],
    )
    description = TextAreaField(_l("Description (Markdown)"), render_kw={"rows": 10})
    territory = StringField(
        _l("Territoire"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez le territoire.")), Length(max=120)],
    )
    communes = TextAreaField(_l("Communes (codes INSEE)"), render_kw={"rows": 3})
    epci = StringField(
        _l("Intercommunalités (SIREN des EPCI)"), filters=[strip], validators=[Length(max=2000)]
    )
    departements = StringField(_l("Départements"), filters=[strip], validators=[Length(max=500)])
    # Finding a place by name without JavaScript: search, tick, add (the view).
    place_search = StringField(
        _l("Chercher une commune ou une intercommunalité par son nom"),
        filters=[strip],
        validators=[Length(max=100)],
    )
    find = SubmitField(_l("Chercher"))
    picked = SelectMultipleField(_l("Résultats"), choices=[], validate_choice=False)
    add = SubmitField(_l("Ajouter la sélection au territoire"))
    goal = IntegerField(
        _l("Objectif de signatures"),
        default=1000,
        validators=[
            InputRequired(_l("Indiquez un objectif.")),
            NumberRange(min=1, message=_l("Au moins 1.")),
        ],
    )
    goal_scope = SelectField(
        _l("L’objectif compte"),
        choices=[
            SelectChoice("total", _l("tous les soutiens vérifiés")),
            SelectChoice("local", _l("seulement les soutiens du territoire")),
        ],
        default="total",
    )
    state = SelectField(
        _l("État"),
        choices=[
            SelectChoice(PetitionState.DRAFT, _l("Brouillon (invisible)")),
            SelectChoice(PetitionState.OPEN, _l("Ouverte")),
            SelectChoice(PetitionState.CLOSED, _l("Close")),
        ],
    )
    opens_at = DateTimeText(_l("Ouverture (heure locale, facultatif)"), filters=[strip])
    closes_at = DateTimeText(_l("Clôture (heure locale, facultatif)"), filters=[strip])
    controller_name = StringField(
        _l("Responsable du traitement"), filters=[strip], validators=[Length(max=200)]
    )
    controller_email = StringField(
        _l("E-mail du responsable"), filters=[strip], validators=[Length(max=254)]
    )
    controller_address = StringField(
        _l("Adresse du responsable"), filters=[strip], validators=[Length(max=300)]
    )
    retention_days = IntegerField(
        _l("Durée de conservation (jours)"),
        default=365,
        validators=[InputRequired(), NumberRange(min=1, max=3650)],
    )
    submit = SubmitField(_l("Enregistrer"))


class RuleForm(BaseForm):
    domain = StringField(_l("Domaine de l'e-mail"), filters=[strip], validators=[Length(max=254)])
    ip_hash = StringField(
        _l("Empreinte d'adresse IP"), filters=[strip], validators=[Length(max=64)]
    )
    since = DateTimeText(_l("Signées à partir de (heure locale)"), filters=[strip])
    until = DateTimeText(_l("Signées avant (heure locale)"), filters=[strip])
    name_pattern = StringField(
        _l("Motif de nom (* = n'importe quoi)"), filters=[strip], validators=[Length(max=200)]
    )
    submit = SubmitField(_l("Prévisualiser"))

    RULE_FIELDS = ("domain", "ip_hash", "since", "until", "name_pattern")


class ConfirmRuleForm(RuleForm):
    """The second screen of a bulk invalidation: the rule again (hidden), the
    number of signatures the organizer saw, and the reason, typed there."""

    expected = IntegerField(validators=[Optional()])
    reason = StringField(
        _l("Raison (obligatoire, journalisée)"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez la raison.")), Length(max=300)],
    )
    submit = SubmitField(_l("Confirmer l’invalidation"))


class ReasonForm(BaseForm):
    reason = StringField(
        _l("Raison"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez la raison.")), Length(max=300)],
    )
    submit = SubmitField(_l("Valider"))


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganizerForm(BaseForm):
    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez l'adresse e-mail.")), Length(max=254), ValidEmail()],
    )
    petitions = MultiCheckbox(_l("Pétitions"), choices=[], validate_choice=True)
    is_admin = BooleanField(_l("Administrateur du site (toutes les pétitions)"))
    submit = SubmitField(_l("Inviter"))

    def validate_petitions(self, field):
        if not field.data and not self.is_admin.data:
            raise ValidationError(_l("Choisissez au moins une pétition."))


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Rechercher une signature (nom, e-mail ou numéro)"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )
    registre = SelectField(
        _l("Statut au registre Sirene"),
        choices=[
            SelectChoice("", _l("Tous")),
            *(SelectChoice(status, words) for status, words in register_display.STATUS.items()),
        ],
        default="",
    )


class ExportCheckForm(BaseForm):
    csv_file = FileField(
        _l("Fichier CSV exporté"), validators=[FileRequired(_l("Choisissez le fichier CSV."))]
    )
    manifest = FileField(
        _l("Manifeste (.manifest.json)"),
        validators=[FileRequired(_l("Choisissez le manifeste."))],
    )
    submit = SubmitField(_l("Vérifier"))
