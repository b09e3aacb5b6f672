"""A second kanjiad pool for the provider tests: the same binary and
database as the suite's stack, its own socket and config (the suite's
config plus the provider keys and the stand-ins' URLs), so the shared
stack keeps its outbox and sandbox. Requests go straight to its FastCGI
socket through the suite's client (ctx.fastcgi)."""

import json
import os
import signal
import socket
import subprocess
import time

from kanjia import check


class SidePool:
    def __init__(self, ctx, name, overrides):
        check(ctx.bin and ctx.conf_path and ctx.run_dir, "KANJIA_BIN, KANJIA_CONF and KANJIA_RUN_DIR are needed")
        self.ctx = ctx
        self.name = name
        self.dir = os.path.join(ctx.run_dir, "providers")
        os.makedirs(self.dir, mode=0o750, exist_ok=True)
        self.listen = os.path.join(self.dir, name + ".sock")
        self.conf_path = os.path.join(self.dir, name + ".conf")
        self.log_path = os.path.join(self.dir, name + ".log")
        values = dict(ctx.conf)
        values.update({"listen": self.listen, "workers": "2"})
        values.update(overrides)
        old_mask = os.umask(0o027)  # the config holds keys: 0640
        try:
            with open(self.conf_path, "w") as f:
                for key, value in values.items():
                    f.write("%s = %s\n" % (key, value))
        finally:
            os.umask(old_mask)
        self.process = None

    def start(self):
        # a socket file left by an earlier pool (killed, not stopped) would look ready
        if os.path.exists(self.listen):
            os.unlink(self.listen)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([self.ctx.bin, "-c", self.conf_path, "serve"], stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(self.listen) and self._accepts():
                return self
            check(self.process.poll() is None, "the %s pool exited at start: %s" % (self.name, self.log_tail()))
            time.sleep(0.05)
        raise AssertionError("the %s pool made no socket: %s" % (self.name, self.log_tail()))

    def _accepts(self):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(self.listen)
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def children(self):
        return self.ctx.children(self.process.pid) if self.process else set()

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def request(self, method, path, body=b"", content_type="application/json", token=None, ip=None, headers=None):
        """One request to this pool; returns (status, headers, body bytes)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        path_only, _, query = path.partition("?")
        params = self.ctx.fastcgi_params(method, path_only, ip=ip or self.ctx.new_ip(), QUERY_STRING=query,
                                         REQUEST_URI=path)
        if body:
            params["CONTENT_TYPE"] = content_type
            params["CONTENT_LENGTH"] = str(len(body))
        if token:
            params["HTTP_AUTHORIZATION"] = "Bearer " + token
        for name, value in (headers or {}).items():
            params["HTTP_" + name.upper().replace("-", "_")] = value
        saved = self.ctx.listen
        self.ctx.listen = self.listen
        try:
            return self.ctx.fastcgi(params, body, timeout=30)
        finally:
            self.ctx.listen = saved

    def json(self, method, path, body=b"", expect=200, **kwargs):
        status, headers, answer = self.request(method, path, body, **kwargs)
        check(status == expect, "%s %s on the %s pool: %d, wanted %d: %s" % (
            method, path, self.name, status, expect, answer[:300].decode("utf-8", "replace")))
        return json.loads(answer) if answer else None
