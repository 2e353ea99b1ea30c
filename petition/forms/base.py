"""What every form of the site shares: BaseForm (single-line text rules on
every single-line field) and the field rules more than one form uses."""

import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.widgets.core import clean_key

from .. import text

HIDDEN = ("HiddenField", "CSRFTokenField")
POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every form of the site. Each single-line text field (a StringField that is
    not a text area nor a password) is normalised (NFC, stripped) and refuses
    line breaks and control characters (text.SingleLine), so a field added later
    cannot forget it. Names add their stricter rules (text.PersonName)."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field, render_kw):
            """As WTForms' own, except that a None value leaves the attribute
            out: WTForms writes it as "None", so `aria-invalid=None` gave
            aria-invalid="None" (read as invalid) and `required=None` gave an
            optional field announced as required (tests/test_markup.py)."""
            merged = {clean_key(k): v for k, v in (field.render_kw or {}).items()}
            merged.update((clean_key(k), v) for k, v in render_kw.items())
            if field.type in HIDDEN:
                # No label points at a hidden field; its id would be repeated
                # by every form of the page (id="csrf_token" twice).
                merged.setdefault("id", False)
            return field.widget(field, **{k: v for k, v in merged.items() if v is not None})

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField) and not isinstance(
                field, (TextAreaField, PasswordField)
            ):
                field.filters = (*field.filters, text.line)
                if not any(isinstance(v, text.SingleLine) for v in field.validators):
                    field.validators = [*field.validators, text.SingleLine()]
            return field


class ValidEmail:
    """Syntax check with email-validator; DNS only where configured (none in tests)."""

    def __call__(self, form, field):
        try:
            validate_email(
                field.data or "",
                check_deliverability=current_app.config.get("EMAIL_CHECK_DNS", False),
            )
        except EmailNotValidError:
            raise ValidationError(_l("Cette adresse e-mail n'est pas valide.")) from None
