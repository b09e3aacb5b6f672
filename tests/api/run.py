#!/usr/bin/python3
"""run.py: the API test runner (./dev test runs it).

Discovers tests/api/test_*.py, runs every function named test_* in each,
one after another, each with the shared kanjia.Context. A module may set
ORDER (default 50): lower runs first; ties go by file name. Within a module
tests run in source order. Prints "ok name", "FAIL name: reason" or
"skip name: reason" per test, then exactly "N passed, N failed" as the last
line; exits 0 iff nothing failed. Skips count as neither.

    /usr/bin/python3 tests/api/run.py [substring ...]   # only matching tests
"""

import importlib.util
import inspect
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import kanjia  # noqa: E402


def discover():
    modules = []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
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
            tests.append(("%s.%s" % (module.__name__, f.__name__), f))
    return tests


def main(argv):
    passed = failed = skipped = 0
    started = time.monotonic()
    try:
        ctx = kanjia.Context()
        tests = discover()
    except Exception as error:  # a broken harness is one failure, still summed up
        print("FAIL harness: %s: %s" % (type(error).__name__, error), flush=True)
        traceback.print_exc(file=sys.stderr)
        print("0 passed, 1 failed", flush=True)
        return 1
    wanted = argv[1:]
    for name, function in tests:
        if wanted and not any(w in name for w in wanted):
            continue
        ctx.current_test = name
        t0 = time.monotonic()
        try:
            function(ctx)
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
    print("# %d skipped, %.1fs in all" % (skipped, time.monotonic() - started), flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
