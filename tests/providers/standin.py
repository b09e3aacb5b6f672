"""The frame of the providers' stand-ins: a threaded HTTP server on a
loopback port that hands each request to the stand-in's handle() and
records it. Standard library only.

A stand-in follows its provider's documented protocol: it checks the
signature of every request the way the provider does, answers in the
provider's format (and signs its answers where the provider does), and
builds the provider's signed notifications for the test to deliver.
`outage(n)` makes the next n requests fail as an unreachable or broken
provider would (HTTP 503), so tests can watch retries; `delay` (seconds)
makes every answer slow, like a provider in trouble."""

import http.server
import json
import threading
import time


class Standin:
    name = "standin"

    def __init__(self, port):
        self.port = port
        self.base_url = "http://127.0.0.1:%d" % port
        self.requests = []        # (method, path, headers dict lower-cased, body bytes, verdict)
        self.lock = threading.Lock()
        self._outages = 0
        self.delay = 0.0
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the test prints what matters
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                if standin.delay:
                    time.sleep(standin.delay)
                with standin.lock:
                    down = standin._outages > 0
                    if down:
                        standin._outages -= 1
                if down:
                    status, answer_headers, answer = 503, {"Content-Type": "text/plain"}, b"service unavailable"
                    verdict = "outage"
                else:
                    try:
                        status, answer_headers, answer, verdict = standin.handle(self.command, self.path, headers, body)
                    except Exception as error:  # noqa: BLE001 - a broken stand-in answers 500 and says why
                        status, answer_headers, answer, verdict = 500, {}, repr(error).encode(), "error: %r" % error
                with standin.lock:
                    standin.requests.append((self.command, self.path, headers, body, verdict))
                if isinstance(answer, (dict, list)):
                    answer = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                    answer_headers = dict(answer_headers)
                    answer_headers.setdefault("Content-Type", "application/json; charset=utf-8")
                self.send_response(status)
                for name, value in answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = _serve
            do_POST = _serve

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name=self.name, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def outage(self, count):
        with self.lock:
            self._outages = count

    def verdicts(self):
        with self.lock:
            return [r[4] for r in self.requests]

    def handle(self, method, path, headers, body):
        raise NotImplementedError
