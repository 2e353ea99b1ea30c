"""The organizer's dashboard, moderation and export pages on a phone
(issue 14, item 5): at 390×844 nothing scrolls sideways (wide tables scroll
inside their own box) and every control can be reached: scrolled into view,
it lies inside the screen and is the element a tap there would hit."""

import pytest

from petition.dev import pages

PHONE = {"width": 390, "height": 844}
SCREENS = (
    "organizer-index",
    "organizer-dashboard",
    "organizer-moderation",
    "organizer-moderation-preview",
    "organizer-moderation-confirm",
    "organizer-protection",
    "organizer-export",
    "organizer-export-error",
    "organizer-export-check",
    "organizer-paper",
    "organizer-paper-errors",
    "organizer-access",
    "organizer-admin",
)

CONTROLS = (
    "main a[href], main button, main select, main textarea,"
    " main input:not([type=hidden]), nav a[href], nav button"
)

#: For one control: scroll it into view (its scrolling box too), then say
#: where it is and whether a tap at its centre reaches it.
REACH = """(e) => {
    e.scrollIntoView({block: "center", inline: "center"});
    const r = e.getBoundingClientRect();
    const x = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), window.innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    const label = e.labels && e.labels.length ? e.labels[0] : null;
    return {
        left: r.left, right: r.right, width: r.width, height: r.height,
        hit: !!hit && (e === hit || e.contains(hit) || hit.contains(e)
                       || (label && (label === hit || label.contains(hit)))),
        name: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
              + " " + (e.textContent || e.value || e.name || "").trim().slice(0, 40),
    };
}"""


#: The outermost elements that stick out on the right, to say what to fix.
WIDE = """() => [...document.body.querySelectorAll("*")]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !(e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))
    .join(", ")"""


@pytest.fixture
def app_overrides(tmp_path):
    return {"DEV_MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def live_server_setup():
    return pages.add_audit_routes


@pytest.fixture
def world(app):
    return pages.build_world(app.config["DEV_MAIL_DIR"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_organizer_pages_fit_a_phone_and_every_control_is_reachable(
    browser, live_server, world, lang
):
    context = browser.new_context(
        viewport=PHONE,
        locale={"fr": "fr-FR", "en": "en-GB"}[lang],
        has_touch=True,
        is_mobile=True,
    )
    try:
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        pages.sign_in_browser(tab, live_server.url)
        by_name = {page.name: page for page in pages.PAGES}
        problems = []
        for name in SCREENS:
            page = by_name[name]
            assert pages.open_in_browser(tab, live_server.url, page, world) == page.status, name
            width = tab.evaluate("document.scrollingElement.scrollWidth")
            if width > PHONE["width"]:
                wide = tab.evaluate(WIDE)
                problems.append(f"{name}: the page is {width}px wide ({wide})")
            for control in tab.locator(CONTROLS).all():
                if not control.is_visible():
                    continue
                where = control.evaluate(REACH)
                if where["left"] < -1 or where["right"] > PHONE["width"] + 1:
                    span = f"{where['left']:.0f}–{where['right']:.0f}px"
                    problems.append(f"{name}: {where['name']} is off screen ({span})")
                elif not where["hit"]:
                    problems.append(f"{name}: {where['name']} is covered")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
