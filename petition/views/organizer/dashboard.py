"""A petition's dashboard: counts, breakdowns, chart, latest signatures,
failed emails, exports, attestations and moderation log."""

from flask import render_template
from flask_login import login_required

from ...forms.organizer import EmailForm
from ...services import access, attestations
from ...services import dashboard as stats
from .area import bp
from .exports import export_form
from .news import dashboard_panel


@bp.get("/petitions/<slug>/")
@login_required
def dashboard(slug):
    petition = access.organizer_petition_or_404(slug)
    return render_template(
        "organizer/dashboard.html",
        petition=petition,
        data=stats.summary(petition),
        invite_form=EmailForm(),
        attestation_list=attestations.of_petition(petition),
        **export_form(),
        **dashboard_panel(petition),
    )
