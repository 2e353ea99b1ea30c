"""The verified-signer CSV (streamed) and the signed manifest beside it."""

import json

from flask import Response, abort, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from ...categories import LABELS
from ...forms.organizer import ExportCheckForm
from ...i18n import current_language
from ...models import CATEGORIES
from ...services import access, export_check, exports
from ...uploads import body_limit
from .area import bp

FIELDS = ("category", "commune", "place", "since", "until", "delimiter")


def _values(args):
    return {name: args.get(name, "") for name in FIELDS}


def export_form(values=None):
    """What the export form needs (dashboard and export page alike)."""
    return {
        "categories": CATEGORIES,
        "labels": LABELS,
        "values": values or {},
        "date_range": (exports.FIRST_DAY.isoformat(), exports.LAST_DAY.isoformat()),
    }


def _export_page(petition, values, message=None, status=200):
    return render_template(
        "organizer/export.html", petition=petition, error=message, **export_form(values)
    ), status


@bp.get("/petitions/<slug>/export.csv")
@login_required
def export_form_page(slug):
    """An export writes a log entry, so it is a POST; this GET only shows the
    form, filled from the query string (old links and bookmarks)."""
    petition = access.organizer_petition_or_404(slug)
    return _export_page(petition, _values(request.args))


@bp.post("/petitions/<slug>/export.csv")
@login_required
def export_csv(slug):
    petition = access.organizer_petition_or_404(slug)
    try:
        # The category column in the organizer's language (the CLI has --keys).
        chosen = {**request.form.to_dict(), "language": current_language()}
        filters = exports.parse_filters(petition, chosen)
    except exports.ExportError as exc:
        return _export_page(petition, _values(request.form), str(exc), 400)
    entry = exports.start(petition, filters, current_user)
    response = Response(
        stream_with_context(exports.stream(petition, filters, entry.id)), mimetype="text/csv"
    )
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{entry.filename}"'
    response.headers["Cache-Control"] = "no-store"
    # Where the signed manifest will be once the last byte has gone out.
    manifest = url_for(".export_manifest", slug=slug, export_id=entry.id)
    response.headers["Link"] = f'<{manifest}>; rel="describedby"'
    return response


@bp.get("/petitions/<slug>/exports/<int:export_id>/manifest.json")
@login_required
def export_manifest(slug, export_id):
    petition = access.organizer_petition_or_404(slug)
    entry = exports.finished_log(petition, export_id)
    if entry is None:
        abort(404)
    body = json.dumps(exports.manifest(entry), ensure_ascii=False, indent=2) + "\n"
    response = Response(body, mimetype="application/json")
    name = entry.filename.removesuffix(".csv") + f"-{entry.id}.manifest.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/petitions/<slug>/exports/check", methods=["GET", "POST"])
@login_required
@body_limit("EXPORT_CHECK_MAX_BYTES")
def export_check_page(slug):
    """Upload a CSV and its manifest: exactly the export, or where it differs."""
    petition = access.organizer_petition_or_404(slug)
    form = ExportCheckForm()
    result = None
    if form.validate_on_submit():
        result = export_check.check(
            petition, form.csv_file.data.stream, form.manifest.data.stream.read(1 << 20)
        )
    status = 400 if request.method == "POST" and result is None else 200
    return render_template(
        "organizer/export_check.html", petition=petition, form=form, result=result
    ), status
