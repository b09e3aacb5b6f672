#!/usr/bin/env python3
"""activate.py — what systemd does for kanjiad.socket + kanjiad.service
(Type=notify), without systemd as PID 1, so the install test can run the
installed binary the way the installed units do.

    activate.py SOCKET NOTIFY_LOG PIDFILE -- COMMAND...

Binds and listens on the Unix socket SOCKET (mode 0660) and keeps it for
its whole life, like systemd keeps the socket of a socket unit. Starts
COMMAND with the socket as fd 3 (LISTEN_FDS=1, LISTEN_PID = the child's
pid, LISTEN_FDNAMES) and NOTIFY_SOCKET pointing at a datagram socket it
reads; every notify message is appended to NOTIFY_LOG, one per line, with
"\\n" inside a message written as " | ". The child's pid is in PIDFILE.

Signals to this process:
  SIGUSR1  restart: SIGTERM to the child, wait for it, hold the socket one
           more second (connections queue in the backlog), start it again
  SIGTERM  stop: SIGTERM to the child, wait for it, exit with its status
The socket file stays until this process exits.
"""
import os
import signal
import socket
import sys
import time

RESTART_GAP_S = 1.0


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        sys.exit("usage: activate.py SOCKET NOTIFY_LOG PIDFILE -- COMMAND...")
    path, notify_log, pidfile, command = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5:]

    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o117)
    listener.bind(path)
    os.umask(old_mask)
    listener.listen(1024)

    notify_path = path + ".notify"
    if os.path.exists(notify_path):
        os.unlink(notify_path)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(0.1)

    def start():
        pid = os.fork()
        if pid == 0:
            os.dup2(listener.fileno(), 3)
            os.set_inheritable(3, True)
            env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()),
                       LISTEN_FDNAMES="kanjiad.socket", NOTIFY_SOCKET=notify_path)
            os.execvpe(command[0], command, env)
        with open(pidfile, "w") as out:
            out.write("%d\n" % pid)
        return pid

    requests = []
    signal.signal(signal.SIGUSR1, lambda *_: requests.append("restart"))
    signal.signal(signal.SIGTERM, lambda *_: requests.append("stop"))

    def record(message):
        with open(notify_log, "a") as out:
            out.write(message.replace("\n", " | ").strip(" |") + "\n")

    def drain_notifications():
        while True:
            try:
                data = notify.recv(4096)
            except (socket.timeout, BlockingIOError, InterruptedError):
                return
            record(data.decode("utf-8", "replace"))

    def stop(pid):
        os.kill(pid, signal.SIGTERM)
        while True:
            drain_notifications()
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                drain_notifications()
                return status

    child = start()
    while True:
        drain_notifications()
        if requests:
            what = requests.pop(0)
            status = stop(child)
            record("activate.py: child exited with status %d" % os.waitstatus_to_exitcode(status))
            if what == "stop":
                os.unlink(notify_path)
                os.unlink(path)
                sys.exit(os.waitstatus_to_exitcode(status))
            time.sleep(RESTART_GAP_S)
            child = start()
            record("activate.py: restarted")
            continue
        done, status = os.waitpid(child, os.WNOHANG)
        if done == child:
            drain_notifications()
            record("activate.py: child exited by itself with status %d" % os.waitstatus_to_exitcode(status))
            os.unlink(notify_path)
            os.unlink(path)
            sys.exit(1)


if __name__ == "__main__":
    main()
