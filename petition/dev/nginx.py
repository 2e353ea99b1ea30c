"""nginx with the production file, docs/nginx/petition.conf, for tests and the bench.

`render` changes only the lines marked `# site` (ports, folders; TLS gives way
to plain HTTP), so what tests/test_nginx.py checks and what `make bench`
measures is the very file the README and docs/production.md tell operators to
include. nginx runs unprivileged from a folder of ours (STACK.md).
"""

import os
import shutil
import subprocess
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "docs" / "nginx" / "petition.conf"
STATIC = Path(__file__).resolve().parents[1] / "static"

#: The http {} around petition.conf: logs, temporary folders and pid in `dir`.
WRAPPER = """\
{user}
worker_processes {workers};
events {{ worker_connections 2048; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    default_type application/octet-stream;
    include {dir}/petition.conf;
}}
"""


def binary():
    """The nginx to run (NGINX_PATH, else the one on PATH, else Debian's), or None."""
    found = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"
    return found if os.access(found, os.X_OK) else None


def render(text, web, events, port, redirect_port, cache, static=STATIC):
    """petition.conf with this run's addresses and folders: each `# site`
    value is replaced exactly once, TLS gives way to plain HTTP."""
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{web};",
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{events};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port};",
        "listen 80;": f"listen 127.0.0.1:{redirect_port};",
        "/var/cache/nginx/petition-counts": str(cache),
        "alias /srv/petition/petition/static/;": f"alias {static}/;",
    }
    for old, new in replacements.items():
        if text.count(old) != 1:
            raise ValueError(f"{CONF.name} no longer has exactly one {old!r}")
        text = text.replace(old, new)
    lines = [line for line in text.splitlines() if not line.strip().startswith("ssl_")]
    return "\n".join(lines) + "\n"


class Nginx:
    """nginx running `conf` (a rendered petition.conf) from `directory`."""

    def __init__(self, nginx, directory, conf, workers=1):
        self.dir = Path(directory)
        (self.dir / "petition.conf").write_text(conf)
        # Run as root (CI containers), workers would switch to `nobody` and
        # lose the private folder: keep them as the current user.
        user = "user root;" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(
            WRAPPER.format(user=user, dir=self.dir, workers=workers)
        )
        self.process = subprocess.Popen(
            [
                nginx,
                "-p",
                str(self.dir),
                "-c",
                str(self.dir / "nginx.conf"),
                "-e",
                str(self.dir / "error.log"),
                "-g",
                f"daemon off; pid {self.dir / 'nginx.pid'};",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def errors(self):
        path = self.dir / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
