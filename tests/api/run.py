#!/usr/bin/python3
"""run.py: the API test runner (./dev test runs it).

Discovers tests/api/test_*.py, runs every function named test_* in each,
one after another, each with the shared kanjia.Context. A module may set
ORDER (default 50): lower runs first; ties go by file name. Within a module
tests run in source order. Prints "ok name", "FAIL name: reason" or
"skip name: reason" per test, then exactly "N passed, N failed, N skipped"
as the last line; exits 0 iff nothing failed (./dev test also fails a run
with a skip or with no test at all: tests/runner/stage.sh).

Each test has a time limit: TIMEOUT_S in its module (default 180 s), or a
function attribute timeout_s. A test past it fails ("timed out") and the
runner goes on with the next; threads it left behind do not keep the
runner alive at the end. A harness error counts as one failure.

    /usr/bin/python3 tests/api/run.py [substring ...]   # only matching tests

KANJIA_API_TESTS=<dir> discovers the test_*.py of another directory (the
runner's own test, tests/runner/, uses it for deliberately broken tests).
"""

import importlib.util
import inspect
import os
import signal
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import kanjia  # noqa: E402

DEFAULT_TIMEOUT_S = 180


class TestTimedOut(BaseException):  # not swallowed by a test's "except Exception"
    """Raised in the main thread by SIGALRM when a test runs past its limit."""


def on_alarm(signum, frame):
    raise TestTimedOut()


def discover(directory):
    modules = []
    for name in sorted(os.listdir(directory)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(directory, name))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    modules.sort(key=lambda m: (getattr(m, "ORDER", 50), m.__name__))
    tests = []
    for module in modules:
        functions = [f for n, f in vars(module).items()
                     if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == module.__name__]
        functions.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in functions:
            limit = getattr(f, "timeout_s", getattr(module, "TIMEOUT_S", DEFAULT_TIMEOUT_S))
            tests.append(("%s.%s" % (module.__name__, f.__name__), f, limit))
    return tests


def main(argv):
    passed = failed = skipped = 0
    started = time.monotonic()
    try:
        ctx = kanjia.Context()
        tests = discover(os.environ.get("KANJIA_API_TESTS") or HERE)
    except Exception as error:  # a broken harness is one failure, still summed up
        print("FAIL harness: %s: %s" % (type(error).__name__, error), flush=True)
        traceback.print_exc(file=sys.stderr)
        print("0 passed, 1 failed, 0 skipped", flush=True)
        return 1
    signal.signal(signal.SIGALRM, on_alarm)
    wanted = argv[1:]
    for name, function, limit in tests:
        if wanted and not any(w in name for w in wanted):
            continue
        ctx.current_test = name
        t0 = time.monotonic()
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                function(ctx)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except TestTimedOut:
            failed += 1
            print("FAIL %s: timed out after %ds (its time limit)" % (name, limit), flush=True)
            continue
        except kanjia.Skip as why:
            skipped += 1
            print("skip %s: %s" % (name, why), flush=True)
            continue
        except Exception as error:
            failed += 1
            reason = str(error) or type(error).__name__
            if not isinstance(error, AssertionError):
                reason = "%s: %s" % (type(error).__name__, reason)
            print("FAIL %s: %s" % (name, reason.replace("\n", " | ")[:2000]), flush=True)
            if not isinstance(error, AssertionError):
                traceback.print_exc(file=sys.stderr)
            continue
        passed += 1
        print("ok %s" % name, flush=True)
        sys.stderr.write("  (%s: %.1fs)\n" % (name, time.monotonic() - t0))
    print("# %.1fs in all" % (time.monotonic() - started), flush=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    status = main(sys.argv)
    # A timed-out test may have left threads blocked on a socket: do not
    # wait for them (the closing line is out, the verdict is final).
    if threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
