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
from ..demo import DEMO, DEMO_PROFILE
from ..extensions import db
from ..models import (
    AuditSample,
    Delivery,
    Endpoint,
    Milestone,
    MilestoneKind,
    OrganisationCheck,
    Organizer,
    Petition,
    PetitionState,
    PetitionUpdate,
    RegisterStatus,
    SampleAudit,
    Signature,
    SignatureState,
    UpdateState,
    WebhookDeliveryState,
    WebhookEvent,
    utcnow,
)
from ..services import attestations, counters, grants, moderation, organizers, panorama, paper
from ..services.petitions import parse_territory, save
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
    sent_update_id: int | None = None
    draft_update_id: int | None = None
    attestation_id: str = ""
    sample_audit_id: int | None = None
    made: int = 0  # signatures made for fresh links, for unique addresses

    def petition(self, slug=OPEN):
        return db.session.scalar(db.select(Petition).where(Petition.slug == slug))

    def admin(self):
        return organizers.find(ADMIN)

    def pending(self):
        """A new pending signature of the open petition (a link is spent once)."""
        self.made += 1
        return _signature(self.petition(), SignatureState.PENDING, n=1000 + self.made)

    def verified(self, **fields):
        self.made += 1
        return _signature(self.petition(), SignatureState.VERIFIED, n=1000 + self.made, **fields)


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


def _publish_token(w):
    """A publish link of the demo organisation's signer (it may publish again)."""
    check = db.session.scalar(db.select(OrganisationCheck).limit(1))
    return tokens.make("publish", links.link_payload(db.session.get(Signature, check.signature_id)))


def _withdraw(w):
    return "/withdraw/" + links.withdraw_token(w.verified())


def _unsubscribe(w):
    url = links.unsubscribe_url(w.verified(news_opt_in=True), w.sent_update_id)
    return url.removeprefix(current_app.config["BASE_URL"])


def _sample_question(w):
    """A fresh signer drawn in the world's open sample audit: its question link."""
    signature = w.verified()
    sample = AuditSample(
        audit_id=w.sample_audit_id, petition_id=signature.petition_id, signature_id=signature.id
    )
    db.session.add(sample)
    db.session.commit()
    return links.sample_url(sample).removeprefix(current_app.config["BASE_URL"])


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
    Page(
        "home-sorted",
        "public.index",
        _l("Accueil trié par progression"),
        _const("/?tri=progression"),
    ),
    Page(
        "home-search",
        "public.index",
        _l("Accueil : recherche par commune"),
        _const("/?q=Firminy"),
    ),
    Page(
        "home-search-none",
        "public.index",
        _l("Accueil : recherche sans résultat"),
        _const("/?q=Quimper"),
    ),
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
        "unsubscribe-ready",
        "news.unsubscribe",
        _l("Désinscription des nouvelles : le bouton"),
        _unsubscribe,
    ),
    Page(
        "unsubscribe-done",
        "news.unsubscribe",
        _l("Désinscription des nouvelles : faite"),
        _unsubscribe,
        submits=(Submit(),),
    ),
    Page(
        "unsubscribe-invalid",
        "news.unsubscribe",
        _l("Désinscription des nouvelles : lien invalide"),
        _const("/unsubscribe/not-a-token"),
        status=400,
    ),
    Page(
        "sample-answer-ready",
        "sample.answer_page",
        _l("Audit par échantillon : la question et ses deux boutons"),
        _sample_question,
    ),
    Page(
        "sample-answer-done",
        "sample.answer_page",
        _l("Audit par échantillon : réponse enregistrée"),
        _sample_question,
        submits=(Submit({"answer": "yes"}),),
    ),
    Page(
        "sample-answer-invalid",
        "sample.answer_page",
        _l("Audit par échantillon : lien invalide"),
        _const("/audit/not-a-token"),
        status=400,
    ),
    Page(
        "supporters",
        "share.supporters",
        _l("Liste publique des soutiens"),
        _const(f"{SE}/soutiens"),
    ),
    Page("poster", "share.poster", _l("Affiche à imprimer"), _const(f"{SE}/affiche")),
    Page("results", "results.page", _l("Résultats publics"), _const(f"{SE}/resultats")),
    Page(
        "results-by-name",
        "results.page_en",
        _l("Résultats publics, triés par nom"),
        _const(f"{SE}/results?tri=nom"),
    ),
    Page("panorama", "panorama.page", _l("Panorama des acteurs"), _const(f"{SE}/panorama")),
    Page(
        "panorama-filtered",
        "panorama.page_en",
        _l("Panorama des acteurs, filtré et regroupé par commune"),
        _const(f"{SE}/panorama-en?q=zzz&par=commune&effectif=10-49"),
    ),
    Page("carte", "panorama.map", _l("Carte des acteurs"), _const(f"{SE}/carte")),
    Page("carte-map-en", "panorama.map_en", _l("Carte des acteurs (alias)"), _const(f"{SE}/map")),
    Page(
        "panorama-publish",
        "panorama.publish",
        _l("Publier son organisation dans le panorama"),
        lambda w: "/organisation/" + _publish_token(w),
    ),
    Page(
        "panorama-publish-errors",
        "panorama.publish",
        _l("Publier son organisation : formulaire renvoyé avec des erreurs"),
        lambda w: "/organisation/" + _publish_token(w),
        status=400,
        submits=(Submit({"description": "", "website": "ftp://x"}),),
    ),
    Page(
        "panorama-publish-invalid",
        "panorama.publish",
        _l("Publier son organisation : lien non valide"),
        _const("/organisation/abc"),
        status=400,
    ),
    Page(
        "embed-panorama",
        "panorama_data.embed_count",
        _l("Panorama à intégrer : le nombre d’organisations"),
        _const(f"/embed/{OPEN}/panorama"),
    ),
    Page(
        "embed-carte",
        "panorama_data.embed_map",
        _l("Carte des acteurs à intégrer (sombre)"),
        _const(f"/embed/{OPEN}/carte?theme=dark"),
    ),
    Page("share-kit", "share.kit", _l("Kit de partage"), _const(f"{SE}/partager")),
    Page(
        "share-kit-options",
        "share.kit",
        _l("Kit de partage : options (sombre, anglais, compact)"),
        _const(f"{SE}/partager?theme=dark&counter_lang=en&compact=1&width=400"),
    ),
    Page("embed", "embed.embed", _l("Compteur à intégrer (clair)"), _const(f"/embed/{OPEN}")),
    Page(
        "ranking", "embed.ranking", _l("Classement à intégrer (clair)"), _const("/embed/classement")
    ),
    Page(
        "ranking-dark",
        "embed.ranking",
        _l("Classement à intégrer (sombre)"),
        _const("/embed/classement?theme=dark&tri=croissance"),
    ),
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
    Page("verifier", "verifier.verify_page", _l("Vérifier une attestation"), _const("/verifier")),
    Page(
        "verifier-valid",
        "verifier.verify_page",
        _l("Vérifier une attestation : valide, avec les chiffres du jour"),
        lambda w: f"/verifier?id={w.attestation_id}",
    ),
    Page(
        "verifier-unknown",
        "verifier.verify_page",
        _l("Vérifier une attestation : identifiant inconnu"),
        _const("/verifier?id=aucune-attestation"),
        status=404,
    ),
    Page(
        "verifier-empty",
        "verifier.verify_page",
        _l("Vérifier une attestation : formulaire vide"),
        _const("/verifier"),
        status=400,
        submits=(Submit(selector="form.verify-form"),),
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
        "organizer-moderation-register",
        "organizer.moderation_page",
        _l("Modération : par statut au registre"),
        _const(f"{ORG}/moderation?registre=active"),
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
                {"domain": "example.org"},
                selector="form[action$='/moderation/preview']",
                action=_const(f"{ORG}/moderation/preview"),
            ),
        ),
    ),
    Page(
        "organizer-moderation-confirm",
        "organizer.moderation_page",
        _l("Modération : confirmation d’une invalidation"),
        _const(f"{ORG}/moderation"),
        login=True,
        submits=(
            Submit(
                {"domain": "example.org"},
                selector="form[action$='/moderation/preview']",
                action=_const(f"{ORG}/moderation/preview"),
            ),
            Submit(
                {"domain": "example.org"},
                selector="form[action$='/moderation/confirm']",
                action=_const(f"{ORG}/moderation/confirm"),
            ),
        ),
    ),
    Page(
        "organizer-panorama",
        "organizer.panorama_list",
        _l("Panorama des acteurs : fiches et licence"),
        _const(f"{ORG}/panorama"),
        login=True,
    ),
    Page(
        "organizer-news",
        "organizer.news_list",
        _l("Nouvelles aux signataires"),
        _const(f"{ORG}/news"),
        login=True,
    ),
    Page(
        "organizer-news-errors",
        "organizer.news_list",
        _l("Nouvelles aux signataires, avec des erreurs"),
        _const(f"{ORG}/news"),
        status=400,
        login=True,
        submits=(Submit({"title": ""}, selector="form[data-keep]"),),
    ),
    Page(
        "organizer-news-draft",
        "organizer.news_update",
        _l("Nouvelle : brouillon, aperçu et envoi"),
        lambda w: f"{ORG}/news/{w.draft_update_id}",
        login=True,
    ),
    Page(
        "organizer-news-sent",
        "organizer.news_update",
        _l("Nouvelle : progression de l’envoi"),
        lambda w: f"{ORG}/news/{w.sent_update_id}",
        login=True,
    ),
    Page(
        "organizer-sample-audit",
        "organizer.sample_audit_page",
        _l("Audit par échantillon : lancer, suivre, clore"),
        _const(f"{ORG}/audit"),
        login=True,
    ),
    Page(
        "organizer-sample-audit-errors",
        "organizer.sample_audit_page",
        _l("Audit par échantillon, avec des erreurs"),
        _const(f"{ORG}/audit"),
        status=400,
        login=True,
        submits=(Submit({"size": "0"}, selector="form[action$='/audit']"),),
    ),
    Page(
        "organizer-paper",
        "organizer.paper_page",
        _l("Signatures sur papier"),
        _const(f"{ORG}/paper"),
        login=True,
    ),
    Page(
        "organizer-paper-errors",
        "organizer.paper_page",
        _l("Signatures sur papier, avec des erreurs"),
        _const(f"{ORG}/paper"),
        status=400,
        login=True,
        submits=(Submit({"sheet_ref": "", "first_name": ""}, selector="form[action$='/paper']"),),
    ),
    Page(
        "organizer-paper-sheet",
        "organizer.paper_sheet",
        _l("Feuille de signatures à imprimer"),
        _const(f"{ORG}/paper/sheet"),
        login=True,
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
        "organizer-export-check",
        "organizer.export_check_page",
        _l("Vérifier un export"),
        _const(f"{ORG}/exports/check"),
        login=True,
    ),
    Page(
        "organizer-access",
        "organizer.access_page",
        _l("Accès et journal"),
        _const(f"{ORG}/access"),
        login=True,
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
    "api.places": "JSON (the communes of a postal code, for the sign form)",
    "api.petition_results": "JSON (the results page's breakdowns)",
    "api.events": "a live stream of events (text/event-stream)",
    "api.all_events": "the overview's live stream of every count (text/event-stream)",
    "embed.badge": "an SVG image (its text alternative: tests/test_embed.py)",
    "embed.widget": "a script (its markup is audited inside host pages: tests/browser)",
    "embed.frame_js": "a script: the iframe snippet's resize helper",
    "share.qr_svg": "an SVG image",
    "share.qr_png": "a PNG image",
    "abuse.window_qr": "an SVG image",
    "organizer.export_manifest": "JSON (a download)",
    "organizer.audit_csv": "CSV (a download of the audit log the access page shows)",
    "organizer.paper_template": "CSV (the paper import's template, a download)",
    "verifier.jwks": "JSON (the public keys)",
    "verifier.download": "a download (the attestation's JSON or PDF)",
    "verifier.verify_alias": "/verify, the same page as /verifier (audited there)",
    "health.healthz": "a health check for the load balancer",
    "health.readyz": "a health check for the load balancer",
    "metrics.scrape": "Prometheus metrics (text), for the operator's scraper",
    "panorama.map_svg": "an SVG image (its text alternative: the map page's table)",
    "panorama_data.json": "JSON (the panorama's open data)",
    "panorama_data.csv": "CSV (the panorama's open data)",
}


def audited_endpoints():
    return {page.endpoint for page in PAGES if page.endpoint}


# ---- the world the cases point at -------------------------------------------


def build_world(maildir=None) -> World:
    """The demo petitions (one closed), a few signatures, an organizer with a
    moderation entry, an invited organizer, and a message in `maildir`."""
    for entry in DEMO:
        fields = {k: v for k, v in entry.items() if k not in ("communes", "epci")}
        fields["state"] = PetitionState.CLOSED if entry["slug"] == CLOSED else PetitionState.OPEN
        save(fields, parse_territory(entry.get("communes"), entry.get("epci")))
    petition = db.session.scalar(db.select(Petition).where(Petition.slug == OPEN))
    for n, (first, last, public) in enumerate(
        [("Camille", "Martin", True), ("Jean", "Dupont", True), ("Ana", "Lopes", False)]
    ):
        signer = _signature(
            petition, SignatureState.VERIFIED, n=n, first=first, last=last, public=public
        )
    _checked(signer)
    _signature(petition, SignatureState.PENDING, n=10, first="Paul", last="Martin")
    entrepreneur = _signature(petition, SignatureState.VERIFIED, n=12, first="Léa", last="Roux")
    panorama.seed_demo_profile(entrepreneur, DEMO_PROFILE)
    spam = _signature(petition, SignatureState.PENDING, n=11, first="Test", last="Test")
    admin = organizers.create(ADMIN, PASSWORD, [petition], is_admin=True)
    moderation.invalidate(petition, moderation.Rule(signature_id=spam.id), "Test", admin)
    _paper(petition, admin)
    invited = organizers.create("invitee@example.org")
    _alerts(petition)
    world = World(admin_id=admin.id, invited_id=invited.id)
    world.sent_update_id, world.draft_update_id = _updates(petition, admin)
    world.sample_audit_id = _sample_audit(petition, admin)
    world.attestation_id = attestations.create(petition, admin).id
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
            state=WebhookDeliveryState.DELIVERED,
            attempts=1,
            response_code=200,
        )
    )
    db.session.commit()


def _sample_audit(petition, organizer):
    """An open sample audit with one signer who answered: the dashboard's and
    the audit page's figures in their filled state. Its id."""
    audit = SampleAudit(
        petition_id=petition.id, organizer_id=organizer.id, population=3, requested=1
    )
    db.session.add(audit)
    db.session.flush()
    signature_id = db.session.scalar(
        db.select(Signature.id).where(
            Signature.petition_id == petition.id, Signature.state == SignatureState.VERIFIED
        )
    )
    db.session.add(
        AuditSample(
            audit_id=audit.id,
            petition_id=petition.id,
            signature_id=signature_id,
            state="sent",
            sent_at=utcnow(),
            answer="yes",
            answered_at=utcnow(),
        )
    )
    db.session.commit()
    return audit.id


def _updates(petition, organizer):
    """A sent update (on the petition page too) and a draft; their ids."""
    now = utcnow()
    sent = PetitionUpdate(
        petition_id=petition.id,
        organizer_id=organizer.id,
        title="Le dossier est déposé",
        body="Merci à **toutes et à tous** : la candidature est partie.",
        state=UpdateState.SENT,
        sent_at=now,
        finished_at=now,
    )
    draft = PetitionUpdate(
        petition_id=petition.id,
        organizer_id=organizer.id,
        title="Réunion publique",
        body="Rendez-vous **jeudi** à la Cité du design.\n\n- 18 h : accueil\n- 18 h 30 : débat",
    )
    db.session.add_all([sent, draft])
    db.session.commit()
    return sent.id, draft.id


def _paper(petition, admin):
    """Two paper signatures: one to review (Camille Martin's name and postal
    code again), one duplicate of an online signer's email (not counted)."""
    row = {
        "postal_code": "42000",
        "commune": "Saint-Étienne",
        "insee": "42218",
        "local": True,
        "category": "student",
        "collected_on": utcnow().date(),
        "event_name": "Tech Days",
    }
    paper.record(
        petition,
        [
            {**row, "sheet_ref": "F1-L1", "first_name": "Camille", "last_name": "Martin"},
            {
                **row,
                "sheet_ref": "F1-L2",
                "first_name": "Jean",
                "last_name": "Dupont",
                "email": "person1@example.org",
            },
        ],
        admin,
    )


def _signature(petition, state, n, first="Prénom", last="Nom", public=False, **fields):
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
        insee="42218",
        local=True,
        category="developer",
        public=public,
        email_domain="example.org",
        email_count=1,
        created_at=now,
        verified_at=now if state == SignatureState.VERIFIED else None,
        **fields,
    )
    db.session.add(signature)
    if state == SignatureState.VERIFIED:
        counters.adjust(petition.id, +1, local=1)
    db.session.commit()
    counters.changed(petition.id)
    return signature


def _checked(signature):
    """An organisation checked in the register: the results page's and the
    moderation list's register columns in their filled state."""
    signature.organisation, signature.siren = "Atelier Lopes", "73282932000074"
    db.session.add(
        OrganisationCheck(
            signature_id=signature.id,
            petition_id=signature.petition_id,
            status=RegisterStatus.ACTIVE,
            siren="732829320",
            siret="73282932000074",
            registered_name="Atelier Lopes et Fils SARL",
            naf="62.01Z",
            headcount="11",
            commune="42218",
            in_territory=True,
            source="stock",
            attempts=1,
            checked_at=utcnow(),
        )
    )
    db.session.commit()
    counters.changed(signature.petition_id)


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
            # The page carries a hidden field already, and the clicked button its
            # own name and value (the test client sends them).
            if kind in ("hidden", "submit"):
                continue
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
