"""The PDF of an attestation (fpdf2): the same data as the signed JSON, for people.

The PDF carries the signed envelope as an uncompressed attachment
(`attestation.json`), and its last line is the Ed25519 signature of every
byte before it (`%PETITION-SIGNATURE kid=… sig=…`, after `%%EOF`, where PDF
readers look no further): petition/verify.py checks both, so the PDF
verifies on its own and one changed byte fails. French, or English on request.
"""

import io
import unicodedata
from datetime import UTC, datetime

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from ..categories import label
from ..keys import Keyring
from ..verify import PDF_MARK, canonical

#: At most this many organisations listed in the PDF; the JSON lists them all.
PDF_ORGANISATIONS = 200
#: Characters of our texts that the PDF's built-in fonts (Latin-1) lack.
REPLACEMENTS = {"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-", "…": "...",
                "œ": "oe", "Œ": "OE", "\u202f": " ", "€": "EUR"}  # fmt: skip


def latin1(text) -> str:
    """Text the built-in Helvetica can draw: what it lacks becomes its nearest letters."""
    out = []
    for char in str(text):
        char = REPLACEMENTS.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            char = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode() or "?"
        out.append(char)
    return "".join(out)


def number(value: int, lang: str) -> str:
    return f"{value:,}".replace(",", "\u00a0" if lang == "fr" else ",")


class _Document(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, latin1(_("Page %(n)s", n=self.page_no())), align="C")


def signed_pdf(envelope: dict, ring: Keyring, lang: str) -> bytes:
    """The PDF of the envelope in `lang`, its bytes signed with the current key."""
    with force_locale(lang):
        body = render(envelope, lang)
    return body + PDF_MARK + f"kid={ring.kid} sig={ring.sign(body)}\n".encode()


def render(envelope: dict, lang: str) -> bytes:
    p = envelope["payload"]
    pdf = _Document(format="A4")
    pdf.set_title(latin1(_("Attestation de soutien")))
    pdf.set_creation_date(datetime.strptime(p["instant"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC))
    pdf.set_lang(lang)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    _heading(pdf, p, lang)
    _breakdown(pdf, p, lang)
    _organisations(pdf, p, lang)
    _method(pdf, p, lang)
    _sample_audit(pdf, p.get("sample_audit"), lang)
    _signature(pdf, envelope, p)
    pdf.embed_file(
        bytes=canonical(envelope),
        basename="attestation.json",
        desc="Signed attestation (docs/attestations.md)",
        mime_type="application/json",
        modification_date=pdf.creation_date,
    )
    return bytes(pdf.output())


def _text(pdf, text, size=10, style=""):
    pdf.set_font("Helvetica", style=style, size=size)
    pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _title(pdf, text):
    pdf.ln(3)
    _text(pdf, text, 13, "B")
    pdf.ln(1)


def _heading(pdf, p, lang):
    _text(pdf, _("Attestation de soutien"), 18, "B")
    pdf.ln(2)
    _text(pdf, p["petition"]["title"], 12, "B")
    _text(pdf, _("Territoire : %(t)s", t=p["territory"]["name"]))
    _text(pdf, _("Arrêtée le %(at)s (UTC)", at=p["instant"].replace("T", " ").rstrip("Z")))
    _text(pdf, _("Identifiant : %(id)s", id=p["id"]))
    pdf.ln(3)
    _text(pdf, _("Signatures vérifiées : %(n)s", n=number(p["verified_total"], lang)), 15, "B")
    if p.get("local_total") is not None:
        _text(pdf, _("dont sur le territoire : %(n)s", n=number(p["local_total"], lang)), 12)


def _table(pdf, headings, rows):
    pdf.set_font("Helvetica", size=9)
    with pdf.table(text_align="LEFT", first_row_as_headings=True) as table:
        for row in [headings, *rows]:
            cells = table.row()
            for value in row:
                cells.cell(latin1(value))


def _breakdown(pdf, p, lang):
    _title(pdf, _("Par catégorie et par commune"))
    rows = [
        (label(r["category"]), r["commune"] or "-", number(r["count"], lang))
        for r in p["by_category_commune"]
    ]
    _table(pdf, (_("Catégorie"), _("Commune"), _("Signatures")), rows or [("-", "-", "0")])


def _organisations(pdf, p, lang):
    _title(pdf, _("Organisations (SIREN distincts) par statut au registre"))
    names = {
        "active": _("active"),
        "closed": _("fermée"),
        "not_found": _("introuvable"),
        "not_checked": _("non vérifiée"),
    }
    statuses = p["organisations_by_status"]
    _table(
        pdf,
        (_("Statut"), _("Organisations")),
        [(names.get(s, s), number(v["count"], lang)) for s, v in statuses.items()],
    )
    listed = [(o["siren"], o.get("name") or "-", names.get(s, s), number(o["signers"], lang))
              for s, v in statuses.items() for o in v["organisations"]]  # fmt: skip
    if listed:
        pdf.ln(2)
        headings = ("SIREN", _("Nom au registre"), _("Statut"), _("Signataires"))
        _table(pdf, headings, listed[:PDF_ORGANISATIONS])
        if len(listed) > PDF_ORGANISATIONS:
            _text(pdf, _("Liste complète dans le JSON signé joint (attestation.json)."), 9)


def _method(pdf, p, lang):
    m = p["method"]
    _title(pdf, _("Méthode"))
    days = m["confirm_link_max_age_seconds"] // 86400
    for line in (
        _("Chaque signature est confirmée par courriel (double opt-in) : le lien ouvre une "
          "page et la confirmation demande d'appuyer sur un bouton, afin que les robots "
          "des messageries qui ouvrent les liens ne confirment rien. Le lien vaut %(d)s jours.",
          d=days),
        _("Une seule signature par adresse électronique et par pétition ; l'adresse est "
          "comparée sous forme canonique (minuscules, « +étiquette » et points Gmail ignorés)."),
        _("Au plus %(n)s courriels par signature.", n=m["email_cap_per_signature"]),
        _("Signatures invalidées par la modération : %(n)s ; retirées par leurs auteurs : "
          "%(w)s ; en attente de confirmation, non comptées : %(p)s.",
          n=number(m["invalidated"], lang), w=number(m["withdrawn"], lang),
          p=number(m["pending_not_counted"], lang)),
    ):  # fmt: skip
        _text(pdf, line)
        pdf.ln(1)
    if m["moderation"]:
        _table(
            pdf,
            (_("Action"), _("Motif"), _("Actions"), _("Signatures")),
            [(a["action"], a["reason"], a["actions"], a["signatures"]) for a in m["moderation"]],
        )
    e = p["export"]
    pdf.ln(2)
    _text(pdf, _("Export CSV fait au même instant : %(f)s, %(n)s lignes.", f=e["filename"],
                 n=number(e["rows"], lang)))  # fmt: skip
    _text(pdf, _("SHA-256 : %(h)s", h=e["sha256"]), 9)


def _share(value, lang) -> str:
    """ "0.7500" (the payload's decimal string) as "75,0 %" or "75.0%"."""
    text = f"{float(value) * 100:.1f} %"
    return text.replace(".", ",") if lang == "fr" else text.replace(" ", "")


def _sample_audit(pdf, section, lang):
    """The audits by sample, if any (attestations made before them have none)."""
    if not section or not section["audits"]:
        return
    _title(pdf, _("Audit par échantillon"))
    _text(
        pdf,
        _(
            "Des signataires vérifiés, tirés au hasard (sans remise, jamais deux fois pour "
            "la pétition), ont reçu un e-mail leur demandant de confirmer d'un clic, sans "
            "connexion, qu'ils avaient signé. Le taux de confirmation est calculé sur les "
            "réponses ; son intervalle de confiance (95 %) est celui de Wilson. Les "
            "signataires retirés ou invalidés depuis le tirage sont exclus des calculs."
        ),
    )
    pdf.ln(1)
    headings = (_("Audit"), _("Échantillon"), _("Oui"), _("Non"), _("Sans réponse"),
                _("Taux"), _("IC 95 %"))  # fmt: skip
    rows = [
        _audit_row(a, lang)
        for a in [*section["audits"], {**section["all_audits"], "id": _("Tous")}]
    ]
    _table(pdf, headings, rows)


def _audit_row(a, lang):
    rate, interval = a["confirmation_rate"], a["confidence_interval_95"]
    counts = [number(a[key], lang) for key in ("emailed", "yes", "no", "no_answer")]
    return (
        a["id"],
        *counts,
        "-" if rate is None else _share(rate, lang),
        "-" if interval is None else f"{_share(interval[0], lang)} - {_share(interval[1], lang)}",
    )


def _signature(pdf, envelope, p):
    _title(pdf, _("Signature"))
    _text(
        pdf,
        _(
            "Ce document est signé (Ed25519) par la plateforme, version %(v)s. Vérifiez-le "
            "sur la page ci-dessous, ou hors ligne avec la clé publique : "
            "python -m petition.verify attestation.pdf --keys keys.json",
            v=p["platform"]["version"],
        ),
        9,
    )
    _text(pdf, _("Clé (kid) : %(k)s", k=envelope["kid"]), 9)
    _text(pdf, _("Signature : %(s)s", s=envelope["signature"]), 8)
    _text(pdf, p["verify_url"], 9)
    qr = io.BytesIO()
    segno.make(p["verify_url"], error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    pdf.image(qr, w=40)
