"""A petition's dashboard: counts, breakdowns, chart, latest signatures,
failed emails, exports, attestations and moderation log."""

from flask import render_template
from flask_babel import gettext as _
from flask_login import login_required

from ...forms.alerts import EVENT_LABELS, MilestoneForm, WebhookForm
from ...forms.organizer import EmailForm
from ...models import WebhookDeliveryState
from ...services import access, attestations, milestones, webhooks
from ...services import dashboard as stats
from .area import bp
from .exports import export_form
from .news import dashboard_panel
from .sample_audits import dashboard_panel as sample_audit_panel


def alerts_panel(petition):
    """What the milestones and webhooks sections show."""
    return {
        "milestones": milestones.listing(petition),
        "endpoints": [(e, webhooks.recent_deliveries(e)) for e in webhooks.endpoints(petition)],
        "milestone_form": MilestoneForm(formdata=None),
        "webhook_form": WebhookForm(formdata=None),
        "labels": EVENT_LABELS,
        "states": {
            WebhookDeliveryState.PENDING: _("en cours"),
            WebhookDeliveryState.DELIVERED: _("livré"),
            WebhookDeliveryState.FAILED: _("échec"),
        },
    }


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
        alerts=alerts_panel(petition),
        **export_form(),
        **dashboard_panel(petition),
        **sample_audit_panel(petition),
    )
