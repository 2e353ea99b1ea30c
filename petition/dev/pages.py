"""Every page of the app, in every state a person meets, for the audits and
the screenshots.

`PAGES` lists the cases (a page and a state: the sign form empty, with
errors, closed; a confirmation link ready, done, expired, invalid…), each
reached the way a visitor reaches it: a GET, then the forms it submits.
`EXCLUDED` names the GET routes that are no page (JSON, images, streams…),
with the reason. tests/test_markup.py checks that every GET route of the app
is one or the other, so a new page cannot escape the audits:

- tests/test_markup.py parses each case's HTML (test client, French and English);
- tests/browser/test_accessibility.py runs axe-core on each in Chromium,
  phone and desktop, French and English;
- petition/dev/screenshots.py (`make screenshots`) renders each.

`build_world()` makes what the cases need (the demo petitions, signatures,
an organizer, tokens) in the current app context; `open_in_browser` and
`open_with_client` reach a case with Playwright or Flask's test client.
"""

import mailbox
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from .. import links, tokens
from ..demo import DEMO
from ..extensions import db
from ..models import (
    Delivery,
    DeliveryState,
    Endpoint,
    Milestone,
    MilestoneKind,
    Organizer,
    Petition,
    PetitionState,
    Signature,
    SignatureState,
    WebhookEvent,
    utcnow,
)
from ..services import counters, grants, moderation, organizers
from ..services.petitions import parse_communes, save
from ..webhook_signature import new_secret

PASSWORD = "correct horse battery staple"
ADMIN = "organisatrice@example.org"
OPEN, CLOSED = "saint-etienne", "lyon"
#: Where audit-only routes live: the 429 and 500 pages need a way to be reached.
AUDIT_PREFIX = "/__audit__"


@dataclass
class World:
    """What the cases point at; made by build_world()."""

    admin_id: int
    invited_id: int
    devmail_key: str | None = None
    made: int = 0  # signatures made for fresh links, for unique addresses

    def petition(self, slug=OPEN):
        return db.session.scalar(db.select(Petition).where(Petition.slug == slug))

    def admin(self):
        return organizers.find(ADMIN)

    def pending(self):
        """A new pending signature of the open petition (a link is spent once)."""
        self.made += 1
        return _signature(self.petition(), SignatureState.PENDING, n=1000 + self.made)

    def verified(self):
        self.made += 1
        return _signature(self.petition(), SignatureState.VERIFIED, n=1000 + self.made)


@dataclass(frozen=True)
class Submit:
    """A form the visitor fills and sends: `selector` finds it in the page
    (browser), `action` is where it posts (test client; None: the page's URL)."""

    fill: Mapping[str, str | bool] = field(default_factory=dict)
    selector: str = "main form[method=post]"
    action: Callable[[World], str] | None = None


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    label: object  # a lazy French string: what the statement lists
    path: Callable[[World], str]
    status: int = 200
    login: bool = False
    submits: tuple[Submit, ...] = ()


def _const(path):
    return lambda w: path


def _confirm(w):
    return "/confirm/" + links.confirm_token(w.pending())


def _withdraw(w):
    return "/withdraw/" + links.withdraw_token(w.verified())


def _expired(purpose):
    def path(w):
        signature = w.pending()
        token = _old_token(purpose, links.link_payload(signature))
        return f"/{purpose}/{token}"

    return path


SIGN = {
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "camille.martin@example.org",
    "postal_code": "42000",
    "category": "developer",
    "public": True,
    "consent": True,
}
SE = f"/p/{OPEN}"
ORG = f"/organizer/petitions/{OPEN}"

PAGES = (
    # -- public pages
    Page("home", "public.index", _l("Accueil"), _const("/")),
    Page("petition", "public.petition", _l("Pétition et formulaire de signature"), _const(SE)),
    Page(
        "petition-errors",
        "public.petition",
        _l("Formulaire de signature renvoyé avec des erreurs"),
        _const(SE),
        status=400,
        submits=(Submit({"email": "camille@", "public": True}),),
    ),
    Page("petition-closed", "public.petition", _l("Pétition close"), _const(f"/p/{CLOSED}")),
    Page(
        "check-inbox",
        "public.check_inbox",
        _l("« Vérifiez votre boîte mail », après la signature"),
        _const(SE),
        submits=(Submit(SIGN),),
    ),
    Page(
        "check-inbox-resent",
        "public.check_inbox",
        _l("« Vérifiez votre boîte mail », e-mail renvoyé"),
        _const(SE),
        submits=(
            Submit(SIGN),
            Submit(selector="form.resend", action=_const(f"{SE}/merci")),
        ),
    ),
    Page(
        "privacy",
        "public.privacy",
        _l("Notice de confidentialité"),
        _const(f"{SE}/confidentialite"),
    ),
    Page("confirm-ready", "public.confirm", _l("Confirmation : le bouton"), _confirm),
    Page(
        "confirm-done",
        "public.confirm",
        _l("Confirmation : signature confirmée"),
        _confirm,
        submits=(Submit(),),
    ),
    Page(
        "confirm-expired",
        "public.confirm",
        _l("Confirmation : lien expiré"),
        _expired("confirm"),
        status=400,
    ),
    Page(
        "confirm-invalid",
        "public.confirm",
        _l("Confirmation : lien invalide"),
        _const("/confirm/not-a-token"),
        status=400,
    ),
    Page("withdraw-ready", "public.withdraw", _l("Retrait : le bouton"), _withdraw),
    Page(
        "withdraw-done",
        "public.withdraw",
        _l("Retrait : signature retirée"),
        _withdraw,
        submits=(Submit(),),
    ),
    Page(
        "withdraw-invalid",
        "public.withdraw",
        _l("Retrait : lien invalide"),
        _const("/withdraw/not-a-token"),
        status=400,
    ),
    Page(
        "supporters",
        "share.supporters",
        _l("Liste publique des soutiens"),
        _const(f"{SE}/soutiens"),
    ),
    Page("poster", "share.poster", _l("Affiche à imprimer"), _const(f"{SE}/affiche")),
    Page("share-kit", "share.kit", _l("Kit de partage"), _const(f"{SE}/partager")),
    Page(
        "share-kit-options",
        "share.kit",
        _l("Kit de partage : options (sombre, anglais, compact)"),
        _const(f"{SE}/partager?theme=dark&counter_lang=en&compact=1&width=400"),
    ),
    Page("embed", "embed.embed", _l("Compteur à intégrer (clair)"), _const(f"/embed/{OPEN}")),
    Page(
        "embed-dark",
        "embed.embed",
        _l("Compteur à intégrer (sombre)"),
        _const(f"/embed/{OPEN}?theme=dark"),
    ),
    Page(
        "embed-compact",
        "embed.embed",
        _l("Compteur à intégrer (compact)"),
        _const(f"/embed/{OPEN}?compact=1"),
    ),
    Page(
        "accessibility",
        "public.accessibility",
        _l("Déclaration d’accessibilité"),
        _const("/accessibilite"),
    ),
    Page("error-404", None, _l("Page introuvable (404)"), _const("/p/nowhere"), status=404),
    Page(
        "error-429",
        None,
        _l("Trop de tentatives (429)"),
        _const(f"{AUDIT_PREFIX}/429"),
        status=429,
    ),
    Page(
        "error-500", None, _l("Erreur du serveur (500)"), _const(f"{AUDIT_PREFIX}/500"), status=500
    ),
    Page("devmail", "devmail.inbox", _l("Courrier de développement"), _const("/dev/mail/")),
    Page(
        "devmail-message",
        "devmail.show",
        _l("Courrier de développement : un e-mail"),
        lambda w: f"/dev/mail/{w.devmail_key}",
    ),
    # -- the organizer area, signed out
    Page(
        "organizer-login",
        "organizer.login",
        _l("Connexion organisateur"),
        _const("/organizer/login"),
    ),
    Page(
        "organizer-login-errors",
        "organizer.login",
        _l("Connexion organisateur avec des erreurs"),
        _const("/organizer/login"),
        status=400,
        submits=(Submit({"email": ADMIN, "password": "wrong password!"}),),
    ),
    Page(
        "organizer-forgot",
        "organizer.forgot_password",
        _l("Mot de passe oublié"),
        _const("/organizer/password/forgot"),
    ),
    Page(
        "organizer-reset",
        "organizer.reset_password",
        _l("Nouveau mot de passe"),
        lambda w: "/organizer/password/reset/" + links.organizer_token("reset", w.admin()),
    ),
    Page(
        "organizer-invitation",
        "organizer.accept_invite",
        _l("Invitation d’un organisateur"),
        lambda w: (
            "/organizer/invitation/"
            + links.organizer_token("invite", db.session.get(Organizer, w.invited_id))
        ),
    ),
    Page(
        "organizer-signin",
        "organizer.signin_link",
        _l("Connexion par lien"),
        lambda w: "/organizer/signin/" + links.signin_token(w.admin()),
    ),
    Page(
        "organizer-link-error",
        "organizer.reset_password",
        _l("Lien organisateur inutilisable"),
        _const("/organizer/password/reset/not-a-token"),
        status=400,
    ),
    # -- the organizer area, signed in
    Page(
        "organizer-index", "organizer.index", _l("Mes pétitions"), _const("/organizer/"), login=True
    ),
    Page(
        "organizer-dashboard",
        "organizer.dashboard",
        _l("Tableau de bord"),
        _const(f"{ORG}/"),
        login=True,
    ),
    Page(
        "organizer-moderation",
        "organizer.moderation_page",
        _l("Modération"),
        _const(f"{ORG}/moderation?q=Martin"),
        login=True,
    ),
    Page(
        "organizer-moderation-preview",
        "organizer.moderation_page",
        _l("Modération : aperçu d’une règle"),
        _const(f"{ORG}/moderation"),
        login=True,
        submits=(
            Submit(
                {"domain": "example.org", "reason": "Test"},
                selector="form[action$='/moderation/preview']",
                action=_const(f"{ORG}/moderation/preview"),
            ),
        ),
    ),
    Page(
        "organizer-protection",
        "abuse.panel",
        _l("Protection contre les abus"),
        _const(f"{ORG}/protection"),
        login=True,
    ),
    Page(
        "organizer-export",
        "organizer.export_form_page",
        _l("Export CSV"),
        _const(f"{ORG}/export.csv"),
        login=True,
    ),
    Page(
        "organizer-export-error",
        "organizer.export_form_page",
        _l("Export CSV refusé"),
        _const(f"{ORG}/export.csv"),
        status=400,
        login=True,
        submits=(
            Submit(
                {"since": "2026-02-01", "until": "2026-01-01"},
                selector="form.export-form",
                action=_const(f"{ORG}/export.csv"),
            ),
        ),
    ),
    Page(
        "organizer-edit",
        "organizer.edit_petition",
        _l("Modifier la pétition"),
        _const(f"{ORG}/edit"),
        login=True,
    ),
    Page(
        "organizer-edit-errors",
        "organizer.edit_petition",
        _l("Modifier la pétition, avec des erreurs"),
        _const(f"{ORG}/edit"),
        status=400,
        login=True,
        submits=(Submit({"title": "", "goal": "0"}, selector="form[data-keep]"),),
    ),
    Page(
        "organizer-new",
        "organizer.new_petition",
        _l("Créer une pétition"),
        _const("/organizer/petitions/new"),
        login=True,
    ),
    Page(
        "organizer-admin",
        "organizer.admin_organizers",
        _l("Organisateurs"),
        _const("/organizer/admin/organizers"),
        login=True,
    ),
    Page(
        "organizer-grant",
        "organizer.answer_grant",
        _l("Invitation à co-organiser"),
        lambda w: (
            "/organizer/access/"
            + links.grant_token(grants.offer(None, w.admin(), w.petition(CLOSED)))
        ),
        login=True,
    ),
)

#: GET routes that are no page a person reads, with the reason.
EXCLUDED = {
    "static": "CSS, scripts and images",
    "api.openapi": "JSON (the API description)",
    "api.petition_list": "JSON",
    "api.detail": "JSON",
    "api.count": "JSON",
    "api.events": "a live stream of events (text/event-stream)",
    "embed.badge": "an SVG image (its text alternative: tests/test_embed.py)",
    "embed.widget": "a script (its markup is audited inside host pages: tests/browser)",
    "embed.frame_js": "a script: the iframe snippet's resize helper",
    "share.qr_svg": "an SVG image",
    "share.qr_png": "a PNG image",
    "abuse.window_qr": "an SVG image",
    "organizer.export_manifest": "JSON (a download)",
    "health.healthz": "a health check for the load balancer",
    "health.readyz": "a health check for the load balancer",
}


def audited_endpoints():
    return {page.endpoint for page in PAGES if page.endpoint}


# ---- the world the cases point at -------------------------------------------


def build_world(maildir=None) -> World:
    """The demo petitions (one closed), a few signatures, an organizer with a
    moderation entry, an invited organizer, and a message in `maildir`."""
    for entry in DEMO:
        fields = {k: v for k, v in entry.items() if k != "communes"}
        fields["state"] = PetitionState.CLOSED if entry["slug"] == CLOSED else PetitionState.OPEN
        save(fields, parse_communes(entry["communes"]))
    petition = db.session.scalar(db.select(Petition).where(Petition.slug == OPEN))
    for n, (first, last, public) in enumerate(
        [("Camille", "Martin", True), ("Jean", "Dupont", True), ("Ana", "Lopes", False)]
    ):
        _signature(petition, SignatureState.VERIFIED, n=n, first=first, last=last, public=public)
    _signature(petition, SignatureState.PENDING, n=10, first="Paul", last="Martin")
    spam = _signature(petition, SignatureState.PENDING, n=11, first="Test", last="Test")
    admin = organizers.create(ADMIN, PASSWORD, [petition], is_admin=True)
    moderation.invalidate(petition, moderation.Rule(signature_id=spam.id), "Test", admin)
    invited = organizers.create("invitee@example.org")
    _alerts(petition)
    world = World(admin_id=admin.id, invited_id=invited.id)
    if maildir:
        world.devmail_key = _dev_mail(maildir)
    return world


def _alerts(petition):
    """A reached milestone and a webhook endpoint with a delivery: the
    dashboard's alert sections in their filled state."""
    db.session.add(
        Milestone(
            petition_id=petition.id,
            kind=MilestoneKind.COUNT,
            value=2,
            reached_at=utcnow(),
            count_at_reach=2,
        )
    )
    endpoint = Endpoint(
        petition_id=petition.id,
        url="https://ville.example.org/hooks/petition",
        secret=new_secret(),
        events=WebhookEvent.MILESTONE,
    )
    db.session.add(endpoint)
    db.session.flush()
    db.session.add(
        Delivery(
            endpoint_id=endpoint.id,
            message_id="msg_audit",
            event_key="milestone-audit",
            event=WebhookEvent.MILESTONE,
            payload="{}",
            state=DeliveryState.DELIVERED,
            attempts=1,
            response_code=200,
        )
    )
    db.session.commit()


def _signature(petition, state, n, first="Prénom", last="Nom", public=False):
    now = utcnow()
    email = f"person{n}@example.org"
    signature = Signature(
        petition_id=petition.id,
        state=state,
        first_name=first,
        last_name=last,
        email=email,
        canonical_email=email,
        postal_code="42000",
        commune="Saint-Étienne",
        category="developer",
        public=public,
        email_domain="example.org",
        email_count=1,
        created_at=now,
        verified_at=now if state == SignatureState.VERIFIED else None,
    )
    db.session.add(signature)
    if state == SignatureState.VERIFIED:
        counters.adjust(petition.id, +1)
    db.session.commit()
    counters.changed(petition.id)
    return signature


def _old_token(purpose, payload, age=400 * 86400):
    """A token signed `age` seconds ago: expired for any link that expires."""

    class Past(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - age

    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=tokens.SALTS[purpose], signer=Past
    )
    return serializer.dumps(payload)


def _dev_mail(maildir):
    message = EmailMessage()
    message["Subject"] = "Confirmez votre signature"
    message["From"] = "Pétitions <petition@localhost>"
    message["To"] = "camille.martin@example.org"
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content("Bonjour,\n\nConfirmez : http://127.0.0.1:5000/confirm/xyz\n")
    return mailbox.Maildir(maildir, create=True).add(message)


def add_audit_routes(app):
    """Routes that end in the 429 and 500 pages, for the audits only (never in
    create_app): the error handlers render them as for any request."""

    def too_many():
        abort(429)

    def broken():
        raise RuntimeError("a deliberate error for the 500 page's audit")

    app.add_url_rule(f"{AUDIT_PREFIX}/429", "audit_429", too_many)
    app.add_url_rule(f"{AUDIT_PREFIX}/500", "audit_500", broken)


# ---- reaching a case --------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def open_with_client(client, page, world, lang):
    """Reach `page` with Flask's test client; returns the last response."""
    url = page.path(world)  # once: some make a new signature each time
    response = client.get(url, headers={"Accept-Language": lang})
    for submit in page.submits:
        html = response.get_data(as_text=True)
        match = CSRF.search(html)
        data = {"csrf_token": match.group(1)} if match else {}
        for name, value in submit.fill.items():
            if value is True:
                data[name] = "y"
            elif value is not False:
                data[name] = value
        action = submit.action(world) if submit.action else url
        response = client.post(
            action, data=data, headers={"Accept-Language": lang}, follow_redirects=True
        )
        url = response.request.full_path.rstrip("?")
    return response


def open_in_browser(tab, base_url, page, world):
    """Reach `page` in a Playwright tab; returns the last HTTP status."""
    response = tab.goto(base_url + page.path(world))
    status = response.status if response else 0
    for submit in page.submits:
        form = tab.locator(submit.selector).first
        for name, value in submit.fill.items():
            field = form.locator(f'[name="{name}"]').first
            kind = field.get_attribute("type")
            if kind == "checkbox":
                field.set_checked(bool(value))
            elif field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        with tab.expect_navigation() as navigation:
            form.locator("[type=submit]").first.click()
        status = navigation.value.status if navigation.value else 0
    return status


def sign_in_browser(tab, base_url):
    """Log the tab's browser context in as the organizer of the world."""
    tab.goto(base_url + "/organizer/login")
    tab.fill("#email", ADMIN)
    tab.fill("#password", PASSWORD)
    with tab.expect_navigation():
        tab.locator("main form [type=submit]").click()
