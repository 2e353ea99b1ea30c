"""Milestones and webhooks: what a petition's team is told, and where.
Constraints live here; no I/O."""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db
from .core import utcnow


class MilestoneKind:
    PERCENT = "percent"  # of the goal: follows it when the goal is edited
    COUNT = "count"  # a round number chosen by an organizer
    ALL = (PERCENT, COUNT)


#: Every new petition gets these (percent of its goal).
DEFAULT_PERCENTS = (25, 50, 75, 100)


class Milestone(db.Model):
    """A threshold of the verified count. `reached_at` is set once, by one
    guarded UPDATE (services/milestones.py): a count that dips and crosses
    again finds it set and alerts nobody."""

    __tablename__ = "milestones"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    kind = db.Column(db.String(10), nullable=False)
    value = db.Column(db.Integer, nullable=False)
    reached_at = db.Column(db.DateTime(timezone=True))
    count_at_reach = db.Column(db.Integer)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    petition = db.relationship("Petition")

    __table_args__ = (
        UniqueConstraint("petition_id", "kind", "value"),
        CheckConstraint("kind in ('percent', 'count')", name="milestone_kind"),
        CheckConstraint("value > 0", name="milestone_value_positive"),
    )

    def threshold(self, goal):
        """The count that reaches it (a percent rounds up: 25 % of 10 is 3)."""
        if self.kind == MilestoneKind.PERCENT:
            return -(-goal * self.value // 100)
        return self.value


class WebhookEvent:
    MILESTONE = "milestone.reached"
    DAILY = "petition.daily_summary"
    CLOSED = "petition.closed"
    TEST = "webhook.test"
    CHOICES = (MILESTONE, DAILY, CLOSED)


class Endpoint(db.Model):
    """An HTTPS address a petition's team receives signed events at."""

    __tablename__ = "webhook_endpoints"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    url = db.Column(db.String(500), nullable=False)
    # Standard Webhooks: "whsec_" + base64 of 32 random bytes.
    secret = db.Column(db.String(80), nullable=False)
    # Space-separated WebhookEvent values.
    events = db.Column(db.String(200), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    consecutive_failures = db.Column(db.Integer, nullable=False, default=0)
    disabled_at = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    petition = db.relationship("Petition")

    @property
    def event_list(self):
        return self.events.split()

    def wants(self, event):
        return event == WebhookEvent.TEST or event in self.event_list


class WebhookDeliveryState:
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    ALL = (PENDING, DELIVERED, FAILED)


class Delivery(db.Model):
    """One event for one endpoint; retries reuse it (same `message_id`, the
    `webhook-id` header the receiver deduplicates on)."""

    __tablename__ = "webhook_deliveries"

    id = db.Column(db.Integer, primary_key=True)
    endpoint_id = db.Column(
        db.Integer, db.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    message_id = db.Column(db.String(40), nullable=False, unique=True)
    # What makes the event unique for this endpoint (e.g. milestone-12):
    # the constraint stops a second delivery of the same event.
    event_key = db.Column(db.String(80), nullable=False)
    event = db.Column(db.String(40), nullable=False)
    payload = db.Column(db.Text, nullable=False)
    state = db.Column(db.String(10), nullable=False, default=WebhookDeliveryState.PENDING)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    response_code = db.Column(db.Integer)
    error = db.Column(db.String(300))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    attempted_at = db.Column(db.DateTime(timezone=True))

    endpoint = db.relationship("Endpoint")

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_key"),
        CheckConstraint("state in ('pending', 'delivered', 'failed')", name="delivery_state"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )
