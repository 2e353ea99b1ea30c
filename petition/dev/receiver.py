"""A local webhook receiver: the demo endpoint of `make run` and the tests'.

It keeps every request it gets (headers and body) and answers the status
codes it is told to, in order (`answer(500, 500)` then 200 for the rest).
Development only: production never imports petition/dev/.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .servers import free_port


class Receiver:
    def __init__(self, port=None, path="/hooks"):
        self.port = port or free_port()
        self.path = path
        self.requests = []  # (path, headers dict, body bytes)
        self._answers = []
        self._lock = threading.Lock()
        self._server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}{self.path}"

    def answer(self, *codes):
        with self._lock:
            self._answers.extend(codes)

    def _next_code(self):
        with self._lock:
            return self._answers.pop(0) if self._answers else 200

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append((self.path, dict(self.headers), body))
                code = receiver._next_code()
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
