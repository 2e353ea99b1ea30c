"""The organizer's logs as sentences in the page's language, and times in the
local time zone (TIMEZONE, Europe/Paris by default; the database keeps UTC).

"Signature n° 7 invalidée par marie@example.org : rafale suspecte",
"Export CSV par marie@example.org, séparateur point-virgule, 1 234 lignes,
empreinte 3f2a…": no JSON and no internal key reaches a page.
"""

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from .categories import label as category_label
from .extensions import db
from .models import ExportLog
from .numbers import ngettext, number
from .services import audit

Kind = audit.Kind


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(value: datetime | None) -> datetime | None:
    """A stored time (UTC; naive on SQLite) in the local time zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone())


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    shown = local(value)
    return shown.strftime(fmt) if shown else ""


def who(actor: str | None) -> str:
    return _("la ligne de commande") if actor in (None, "", "cli") else actor


def delimiter_name(delimiter: str) -> str:
    return _("virgule") if delimiter == "," else _("point-virgule")


def _criteria(rule: dict) -> str:
    parts = []
    if rule.get("domain"):
        parts.append(_("domaine %(d)s", d=rule["domain"]))
    if rule.get("ip_hash"):
        parts.append(_("adresse IP (empreinte) %(h)s…", h=rule["ip_hash"][:12]))
    if rule.get("since"):
        parts.append(_("depuis le %(t)s", t=_iso_local(rule["since"])))
    if rule.get("until"):
        parts.append(_("jusqu’au %(t)s", t=_iso_local(rule["until"])))
    if rule.get("name_pattern"):
        parts.append(_("nom « %(p)s »", p=rule["name_pattern"]))
    return ", ".join(parts)


def _iso_local(text):
    try:
        return local_time(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return str(text)


def moderation(action, actor: str, rule: dict, rows: int, reason: str) -> str:
    """One moderation action as a sentence."""
    by = who(actor)
    if action == "invalidate":
        if rule.get("signature_id"):
            return _(
                "Signature n° %(n)s invalidée par %(by)s : %(r)s",
                n=rule["signature_id"],
                by=by,
                r=reason,
            )
        text = ngettext(
            "%(num)s signature invalidée par %(by)s (%(c)s) : %(r)s",
            "%(num)s signatures invalidées par %(by)s (%(c)s) : %(r)s",
            rows,
            by=by,
            c=_criteria(rule),
            r=reason,
        )
        return text
    if rule.get("signature_id"):
        return _(
            "Signature n° %(n)s rétablie par %(by)s : %(r)s",
            n=rule["signature_id"],
            by=by,
            r=reason,
        )
    return ngettext(
        "%(num)s signature rétablie par %(by)s (annulation de l’action n° %(a)s) : %(r)s",
        "%(num)s signatures rétablies par %(by)s (annulation de l’action n° %(a)s) : %(r)s",
        rows,
        by=by,
        a=rule.get("action_id", "?"),
        r=reason,
    )


def moderation_action(entry) -> str:
    """A ModerationAction row as a sentence."""
    try:
        rule = json.loads(entry.rule)
    except ValueError:
        rule = {}
    return moderation(entry.action, entry.actor, rule, entry.rows, entry.reason)


def export(entry: ExportLog | None, actor: str | None = None) -> str:
    """An export as a sentence: separator, rows and fingerprint (or interrupted)."""
    if entry is None:
        return _("Export CSV par %(by)s", by=who(actor))
    try:
        filters = json.loads(entry.filters)
    except ValueError:
        filters = {}
    text = _(
        "Export CSV par %(by)s, séparateur %(d)s",
        by=who(entry.actor),
        d=delimiter_name(filters.get("delimiter", ";")),
    )
    if entry.rows is None:
        return text + _(", interrompu avant la fin")
    return text + ngettext(
        ", %(num)s ligne, empreinte %(h)s…",
        ", %(num)s lignes, empreinte %(h)s…",
        entry.rows,
        h=(entry.sha256 or "")[:12],
    )


def export_filters(entry: ExportLog) -> str:
    """The filters of an export, in words ("Toutes les signatures vérifiées" if none)."""
    try:
        filters = json.loads(entry.filters)
    except ValueError:
        filters = {}
    parts = []
    if filters.get("category"):
        parts.append(_("catégorie %(c)s", c=category_label(filters["category"])))
    if filters.get("commune"):
        parts.append(_("commune %(c)s", c=filters["commune"]))
    if filters.get("since"):
        parts.append(_("vérifiées à partir du %(d)s", d=_day(filters["since"])))
    if filters.get("until"):
        parts.append(_("vérifiées jusqu’au %(d)s", d=_day(filters["until"])))
    return ", ".join(parts) if parts else _("toutes les signatures vérifiées")


def _day(text):
    try:
        return date.fromisoformat(text).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return str(text)


def audit_event(event) -> str:
    """A line of the audit log as a sentence."""
    data = audit.details(event)
    by, subject = who(event.actor), event.subject or ""
    if event.kind == Kind.LOGIN:
        if data.get("method") == "link":
            return _("Connexion de %(by)s (lien envoyé par e-mail)", by=by)
        return _("Connexion de %(by)s", by=by)
    if event.kind == Kind.LOGIN_FAILED:
        return _("Échec de connexion pour %(by)s : mot de passe incorrect", by=by)
    if event.kind == Kind.ACCESS_OFFERED:
        return _("%(by)s a invité %(s)s, qui doit accepter l’invitation", by=by, s=subject)
    if event.kind == Kind.ACCESS_GRANTED:
        if data.get("accepted"):
            return _("%(s)s a accepté l’invitation", s=subject)
        return _("%(by)s a donné accès à %(s)s", by=by, s=subject)
    if event.kind == Kind.ACCESS_DECLINED:
        return _("%(s)s a refusé l’invitation", s=subject)
    if event.kind == Kind.ACCESS_REMOVED:
        return _("%(by)s a retiré l’accès de %(s)s", by=by, s=subject)
    if event.kind == Kind.DEACTIVATED:
        return _("Compte de %(s)s désactivé par %(by)s", s=subject, by=by)
    if event.kind == Kind.ACTIVATED:
        return _("Compte de %(s)s réactivé par %(by)s", s=subject, by=by)
    if event.kind == Kind.EXPORT:
        entry = db.session.get(ExportLog, data.get("export_id") or 0)
        return export(entry, event.actor)
    if event.kind == Kind.PANORAMA_HIDE:
        return _("%(by)s a masqué la fiche de %(s)s dans le panorama", by=by, s=subject)
    if event.kind == Kind.PANORAMA_SHOW:
        return _("%(by)s a rendu visible la fiche de %(s)s dans le panorama", by=by, s=subject)
    if event.kind in (Kind.INVALIDATE, Kind.RESTORE):
        action = "invalidate" if event.kind == Kind.INVALIDATE else "restore"
        rows = data.get("rows", 0)
        return moderation(action, event.actor, data.get("rule") or {}, rows, data.get("reason", ""))
    if event.kind == Kind.SAMPLE_AUDIT_STARTED:
        return ngettext(
            "Audit par échantillon n° %(id)s lancé par %(by)s : %(num)s signataire tiré au sort",
            "Audit par échantillon n° %(id)s lancé par %(by)s : %(num)s signataires tirés au sort",
            data.get("drawn", 0),
            id=data.get("audit_id"),
            by=by,
        )
    if event.kind == Kind.SAMPLE_AUDIT_CLOSED:
        return _("Audit par échantillon n° %(id)s clos par %(by)s", id=data.get("audit_id"), by=by)
    if event.kind in PAPER_KINDS:
        return paper_event(event.kind, by, subject, data)
    return event.kind


PAPER_KINDS = (Kind.PAPER_RECORD, Kind.PAPER_IMPORT, Kind.PAPER_KEPT, Kind.PAPER_WITHDRAWN)


def paper_event(kind: str, by: str, subject: str, data: dict) -> str:
    """ "Signature papier F12-L3 enregistrée par marie@…", "Import papier …"."""
    if kind == Kind.PAPER_KEPT:
        return _("Signature papier %(s)s gardée après vérification par %(by)s", s=subject, by=by)
    if kind == Kind.PAPER_WITHDRAWN:
        return _("Signature papier %(s)s retirée par %(by)s", s=subject, by=by)
    parts = [ngettext("%(num)s comptée", "%(num)s comptées", data.get("counted", 0))]
    if data.get("duplicates"):
        parts.append(
            ngettext(
                "%(num)s doublon non compté", "%(num)s doublons non comptés", data["duplicates"]
            )
        )
    if data.get("to_review"):
        parts.append(ngettext("%(num)s à vérifier", "%(num)s à vérifier", data["to_review"]))
    counted = ", ".join(parts)
    if kind == Kind.PAPER_IMPORT:
        return ngettext(
            "Import papier « %(s)s » par %(by)s : %(num)s ligne (%(detail)s)",
            "Import papier « %(s)s » par %(by)s : %(num)s lignes (%(detail)s)",
            data.get("rows", 0),
            s=subject,
            by=by,
            detail=counted,
        )
    return _(
        "Signature papier %(s)s enregistrée par %(by)s (%(detail)s)",
        s=subject,
        by=by,
        detail=counted,
    )


def init_app(app):
    app.jinja_env.filters.update(localtime=local_time)
    app.jinja_env.globals.update(
        audit_sentence=audit_event,
        export_sentence=export,
        export_filters=export_filters,
        moderation_sentence=moderation_action,
        local_zone=lambda: current_app.config["TIMEZONE"],
        number_text=number,
    )
