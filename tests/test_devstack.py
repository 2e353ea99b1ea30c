"""The newcomer's path through `make run`: start the development stack, sign the
Saint-Étienne petition over real HTTP, find the confirmation email on the dev
mail page, follow its link, press the button, see the counter at 1; then stop
the stack and find no process left behind. And its web server keeps answering
pages while live streams and slow clients hold it."""

import os
import re
import signal
import subprocess
import sys
import time
from html import unescape
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from redis import Redis

from petition.config import ROOT
from petition.dev.servers import free_port

from helpers import csrf_from, sign_data
from servers import RawStream, get, stall, until

START_TIMEOUT = 180  # migrations and the first imports on a busy 2-core machine


def descendants(pid):
    """Every live process under `pid`, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, parent in parents.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Browser:
    """Enough of a browser: cookies, forms, redirects."""

    def __init__(self, base):
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path, timeout=10):
        with self.opener.open(self.base + path, timeout=timeout) as response:
            return response.status, response.geturl(), response.read().decode()

    def post(self, path, data):
        body = urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=20) as response:
                return response.status, response.geturl(), response.read().decode()
        except HTTPError as exc:
            return exc.code, path, exc.read().decode()


@pytest.fixture
def devstack_env():
    """Extra environment for the stack (a test may parametrize it)."""
    return {}


@pytest.fixture
def devstack(tmp_path, devstack_env):
    port = free_port()
    log = tmp_path / "devstack.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAIL_", "DATABASE_URL", "REDIS_URL", "DEV_", "BASE_URL"))
    }
    env.update(PORT=str(port), INSTANCE_PATH=str(tmp_path / "instance"), APP_ENV="development")
    env.update(devstack_env)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "petition.dev.stack"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = {
        "process": process,
        "port": port,
        "log": log,
        "seen": set(),
        "instance": tmp_path / "instance",
    }
    yield stack
    # Whatever happened, leave nothing running.
    leftovers = stack["seen"] | descendants(process.pid)
    if process.poll() is None:
        process.kill()
        process.wait(10)
    for pid in leftovers:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def log_of(stack):
    return stack["log"].read_text(errors="replace")[-6000:]


def wait_until_serving(stack, browser):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert stack["process"].poll() is None, f"devstack exited:\n{log_of(stack)}"
        try:
            status, _url, page = browser.get("/p/saint-etienne", timeout=5)
            if status == 200:
                return page
        except (URLError, ConnectionError, TimeoutError, HTTPError):
            pass
        time.sleep(0.5)
    pytest.fail(f"the web server never answered:\n{log_of(stack)}")


def banner_line(stack, pattern, timeout=30):
    """What `pattern` captures in the banner, which `make run` prints just
    after its web server starts answering: wait for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, stack["log"].read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(0.2)
    pytest.fail(f"no {pattern!r} in the banner:\n{log_of(stack)}")


def wait_for_mail(stack, browser, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _status, _url, inbox = browser.get("/dev/mail/")
        keys = re.findall(r'href="(/dev/mail/[^"/?]+)"', inbox)
        if keys:
            return keys
        time.sleep(0.5)
    pytest.fail(f"no email on the dev mail page:\n{log_of(stack)}")


def mail_holding(stack, browser, needle, timeout=60):
    """The email of the dev mail page that holds `needle`, whatever its place
    in the list (two emails of the same second may come in either order)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for key in wait_for_mail(stack, browser):
            message = browser.get(key)[2]
            if needle in unescape(message):
                return message
        time.sleep(0.5)
    pytest.fail(f"no email with {needle!r} on the dev mail page:\n{log_of(stack)}")


def test_newcomer_signs_confirms_and_sees_one(devstack):
    base = f"http://127.0.0.1:{devstack['port']}"
    browser = Browser(base)
    form = wait_until_serving(devstack, browser)
    devstack["seen"] = descendants(devstack["process"].pid)
    assert "Signer la pétition" in form and 'data-live="count">0<' in form

    data = sign_data(email="nouvelle.venue@example.org", first_name="Camille")
    data["csrf_token"] = csrf_from(form)
    status, url, page = browser.post("/p/saint-etienne", data)
    assert status == 200 and url.endswith("/p/saint-etienne/merci"), page[:2000]

    (message_path,) = wait_for_mail(devstack, browser)
    _status, _url, message = browser.get(message_path)
    assert "Saint-Étienne" in unescape(message)
    match = re.search(re.escape(base) + r'(/confirm/[^"<\s]+)', message)
    assert match, f"no confirmation link built from BASE_URL in:\n{message}"
    confirm_path = unescape(match.group(1))

    _status, _url, confirm = browser.get(confirm_path)
    assert "Je confirme ma signature" in confirm
    assert 'data-live="count">0<' in browser.get("/p/saint-etienne")[2], "opening is not confirming"
    status, _url, done = browser.post(confirm_path, {"csrf_token": csrf_from(confirm)})
    assert status == 200 and "votre signature est confirmée" in done

    _status, _url, petition = browser.get("/p/saint-etienne")
    assert re.search(r'data-live="count">1<', petition), "the counter says 1"

    # The overview ranks the three demo territories, Saint-Étienne first now.
    home = browser.get("/")[2]
    ranked = re.findall(r'data-slug="([^"]+)"', home)
    assert ranked == ["saint-etienne", "cote-d-azur", "lyon"], ranked

    # The confirmation crossed the demo milestone: the organizer's alert is on
    # the dev mail page, and the dashboard's log shows the webhook delivered.
    deadline = time.monotonic() + 60
    assert mail_holding(devstack, browser, "Palier atteint"), "the organizer's alert"
    organizer = Browser(base)
    login_page = organizer.get("/organizer/login")[2]
    organizer.post(
        "/organizer/login",
        {
            "email": "organisatrice@example.org",
            "password": "demo-organisatrice",
            "csrf_token": csrf_from(login_page),
        },
    )
    while time.monotonic() < deadline:
        dashboard = organizer.get("/organizer/petitions/saint-etienne/")[2]
        if "<td>200</td>" in dashboard:
            break
        time.sleep(0.5)
    assert "milestone.reached" in dashboard and "<td>200</td>" in dashboard
    devstack["seen"] |= descendants(devstack["process"].pid)
    assert (devstack["instance"] / "devmail").is_dir()

    devstack["process"].send_signal(signal.SIGTERM)
    assert devstack["process"].wait(60) == 0, log_of(devstack)
    left = [pid for pid in devstack["seen"] if alive(pid)]
    assert left == [], f"processes left behind: {left}\n{log_of(devstack)}"
    with pytest.raises((URLError, ConnectionError)):
        browser.get("/", timeout=2)


def test_make_run_answers_pages_while_streams_and_slow_clients_hold_it(devstack):
    """Twenty streams froze the gthread server `make run` used to start (16
    threads), and it stayed frozen after they closed. Now: 10 streams per
    address (the 11th gets 429), 50 streams and 50 clients stalled in their
    headers at once, and /healthz and the petition page still answer; once
    the viewers leave, every Redis subscription is released."""
    port = devstack["port"]
    browser = Browser(f"http://127.0.0.1:{port}")
    wait_until_serving(devstack, browser)
    redis = Redis.from_url(banner_line(devstack, r"Redis\s+(\S+)"))
    opened = []
    try:
        for _ in range(11):
            opened.append(RawStream(port, source="127.0.0.1"))
        assert [s.status for s in opened] == [200] * 10 + [429], "SSE_MAX_PER_CLIENT=10"
        assert int(opened[-1].headers["retry-after"]) > 0
        for n in range(2, 6):
            opened.extend(RawStream(port, source=f"127.0.0.{n}") for _ in range(10))
        assert sum(s.status == 200 for s in opened) == 50
        opened.extend(stall(port, source="127.0.0.9") for _ in range(50))

        status, _headers, _body = get(port, "/healthz", source="127.0.0.20")
        assert status == 200
        status, _headers, body = get(port, "/p/saint-etienne", source="127.0.0.21")
        assert status == 200 and "Signer la pétition" in body.decode()
        assert len(redis.pubsub_channels("counts:events:*")) == 1
    finally:
        for held in opened:
            held.close()
    assert until(lambda: not redis.pubsub_channels("counts:events:*"), timeout=10), (
        "the streams' subscriptions are released once their viewers left"
    )
    redis.close()
    status, _headers, _body = get(port, "/healthz")
    assert status == 200


def test_newcomer_signs_from_paris_and_saint_etienne_and_reads_the_results(devstack):
    """The issue's "done when": 75001 is told it counts outside, 42100 is local;
    both confirmed, /p/saint-etienne/resultats says 2 supporters, 1 local, and
    lists Saint-Étienne among the 53 communes of the métropole."""
    base = f"http://127.0.0.1:{devstack['port']}"
    browser = Browser(base)
    form = wait_until_serving(devstack, browser)
    devstack["seen"] = descendants(devstack["process"].pid)
    for n, postal in enumerate(("75001", "42100"), 1):
        data = sign_data(email=f"venue{n}@example.org", postal_code=postal)
        data["csrf_token"] = csrf_from(form)
        status, url, page = browser.post("/p/saint-etienne", data)
        assert status == 200 and url.endswith("/merci"), page[:2000]
        told = "votre soutien sera compté hors territoire" in page
        assert told == (postal == "75001"), page[:3000]
        form = browser.get("/p/saint-etienne")[2]
    deadline = time.monotonic() + 60
    while len(keys := wait_for_mail(devstack, browser)) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    for key in keys:
        message = browser.get(key)[2]
        path = unescape(re.search(re.escape(base) + r'(/confirm/[^"<\s]+)', message).group(1))
        confirm = browser.get(path)[2]
        status, _url, done = browser.post(path, {"csrf_token": csrf_from(confirm)})
        assert status == 200 and "votre signature est confirmée" in done
    _status, _url, results = browser.get("/p/saint-etienne/resultats")
    text = " ".join(re.sub(r"<[^>]+>", "", unescape(results)).split())
    assert "2 soutiens vérifiés, dont 1 du territoire" in text
    assert "53 communes, chacune listée" in text
    table = results.split('id="communes"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 53 and "<td>Saint-Étienne</td><td>1</td>" in table
    devstack["seen"] |= descendants(devstack["process"].pid)
