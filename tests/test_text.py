"""Text typed on one line (petition/text.py): real names pass, normalised to
NFKC; line breaks and control characters are refused in every single-line
field of every form, on the web and from `flask petition create`."""

import html
import inspect
import unicodedata

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from petition import text
from petition.extensions import db
from petition.forms import abuse as abuse_forms
from petition.forms import organizer as organizer_forms
from petition.forms import public as public_forms
from petition.models import Petition, Signature

from helpers import csrf_from, login, make_organizer, post_signature, reread

CONTROL_FR = "Ce champ ne peut contenir ni retour à la ligne ni caractère de contrôle."
CONTROL_EN = "This field cannot contain line breaks or control characters."


# (typed, stored): names people really have, and what NFKC makes of look-alikes.
LEGIT_NAMES = [
    ("Zoë", "Zoë"),
    ("Nguyễn", "Nguyễn"),
    ("Nguye\u0302\u0303n", "Nguyễn"),  # Vietnamese typed decomposed: two marks, composed
    ("Trần Thị Hồng Nhung", "Trần Thị Hồng Nhung"),
    ("Ŝtefan", "Ŝtefan"),
    ("O'Brien", "O'Brien"),
    ("Anne-Marie", "Anne-Marie"),
    ("José María", "José María"),
    ("Åsa", "Åsa"),
    ("مُحَمَّد", "مُحَمَّد"),  # Arabic with vowel signs and shadda
    ("حسین\u200cزاده", "حسین\u200cزاده"),  # Persian: a zero-width non-joiner between letters
    ("王小明", "王小明"),
    ("कृष्ण", "कृष्ण"),
    ("J.-P.", "J.-P."),
    ("A.B.", "A.B."),
    ("Marie.Claire", "Marie.Claire"),  # no such TLD: not a domain
    ("St. Étienne", "St. Étienne"),
    ("Ｊｅａｎ", "Jean"),  # full-width letters become plain ones
    ("𝐉𝐞𝐚𝐧", "Jean"),
    ("\u00a0Jean\u00a0", "Jean"),
]


@pytest.mark.parametrize("typed,stored", LEGIT_NAMES, ids=[s for _t, s in LEGIT_NAMES])
def test_real_names_are_accepted_and_stored_normalised(client, petition, typed, stored):
    response = post_signature(client, first_name=typed, last_name=typed, organisation=typed)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[:3000]
    signature = db.session.scalars(select(Signature)).one()
    assert (signature.first_name, signature.last_name, signature.organisation) == (
        stored,
        stored,
        stored,
    )


def is_single_line(field_class):
    return issubclass(field_class, StringField) and not issubclass(
        field_class, (TextAreaField, PasswordField)
    )


def single_line_names(form_class):
    return [
        name
        for name, value in inspect.getmembers(form_class)
        if isinstance(value, UnboundField) and is_single_line(value.field_class)
    ]


def form_classes():
    """Every form of the three form modules that has a single-line field."""
    return [
        cls
        for module in (public_forms, organizer_forms, abuse_forms)
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
        and issubclass(cls, FlaskForm)
        and single_line_names(cls)
    ]


@pytest.mark.parametrize("form_class", form_classes(), ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "bad",
    ["Titre\r\nBcc: x@example.org", "a\x00b", "a\u2028b", "a\u202eb"],
    ids=["crlf", "nul", "line-separator", "bidi"],
)
def test_every_single_line_field_of_every_form_refuses_control_characters(
    app, petition, form_class, bad
):
    with app.test_request_context("/", method="POST"):
        args = (petition,) if form_class is public_forms.SignForm else ()
        names = single_line_names(form_class)
        form = form_class(*args, formdata=MultiDict({n: bad for n in names}), meta={"csrf": False})
        assert not form.validate()
        for name in names:
            messages = [str(e) for e in form[name].errors]
            assert any("ni retour à la ligne ni caractère de contrôle" in m for m in messages), (
                form_class.__name__,
                name,
                messages,
            )


@pytest.mark.parametrize("lang,message", [("fr", CONTROL_FR), ("en", CONTROL_EN)])
def test_organizer_petition_form_refuses_a_line_break_in_the_title(client, petition, lang, message):
    make_organizer("admin@example.org", admin=True)
    login(client, "admin@example.org")
    url = f"/organizer/petitions/saint-etienne/edit?lang={lang}"
    page = client.get(url)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "slug": "saint-etienne",
            "title": "Saint-Étienne\r\nBcc: tous@example.org",
            "description": "",
            "territory": "Saint-Étienne Métropole",
            "communes": "Saint-Étienne:42000",
            "goal": "1000",
            "state": "open",
            "retention_days": "365",
        },
    )
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert reread(Petition, petition.id).title == "Saint-Étienne French Tech"


def test_organizer_event_label_and_reason_are_stripped_and_normalised(app, petition):
    with app.test_request_context("/", method="POST"):
        form = abuse_forms.EventWindowForm(
            formdata=MultiDict({"label": "  Meetup Cafe\u0301 ", "hours": "4", "scope": "here"}),
            meta={"csrf": False},
        )
        assert form.validate(), form.errors
        assert form.label.data == "Meetup Café"


@pytest.mark.parametrize("marks,refused", [(1, False), (2, False), (3, False), (4, True)])
def test_up_to_three_combining_marks_in_a_row_pass(client, petition, marks, refused):
    """Counted after NFKC, where "a" + acute is one letter: overlay marks never compose."""
    response = post_signature(client, last_name="Dupo" + "\u0336" * marks + "nt")
    assert response.status_code == (400 if refused else 302)
    assert db.session.scalar(select(func.count()).select_from(Signature)) == (0 if refused else 1)


# --- Properties (hypothesis): whatever is typed ---------------------------

PROPERTIES = settings(max_examples=300, deadline=None)
any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)


def clean_name(value):
    """What a stored name may hold: NFKC, no control or format character (bar a
    joiner between letters), at most three marks in a row, no link."""
    marks = 0
    for i, char in enumerate(value):
        category = unicodedata.category(char)
        assert category != "Cc" and char not in "\u2028\u2029", repr(value)
        if category == "Cf":
            assert char in "\u200c\u200d" and 0 < i < len(value) - 1, repr(value)
        marks = marks + 1 if category in ("Mn", "Me") else 0
        assert marks <= 3, repr(value)
    assert unicodedata.normalize("NFKC", value) == value
    assert not text.has_link(value)
    return True


@PROPERTIES
@given(typed=any_text)
def test_a_name_that_passes_is_clean(typed):
    value = text.name(typed)
    if text.name_problem(value) is None:
        assert clean_name(value)


@PROPERTIES
@given(typed=any_text)
def test_a_line_that_passes_holds_no_break_nor_control(typed):
    value = text.line(typed)
    if text.line_problem(value) is None:
        assert not any(
            unicodedata.category(c) == "Cc" or c in text.LINE_SEPARATORS or c in text.BIDI_CONTROLS
            for c in value
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=any_text, last=any_text, organisation=any_text)
def test_the_sign_form_stores_only_clean_names(client, petition, first, last, organisation):
    response = post_signature(client, first_name=first, last_name=last, organisation=organisation)
    assert response.status_code in (302, 400)
    for signature in db.session.scalars(select(Signature)):
        assert clean_name(signature.first_name) and clean_name(signature.last_name)
        assert clean_name(signature.organisation or "")
    db.session.execute(Signature.__table__.delete())
    db.session.commit()
