"""The OpenAPI document (issue 11): served at /api/v1/openapi.json as the
repository keeps it, and naming exactly the routes the pool serves (every
answer of the suite is also checked against it: openapi_check.py)."""

import glob
import json
import os
import re

from kanjia import check, eq

ROUTE_LINE = re.compile(r'\{\s*"([A-Z]+)",\s*"(/[^"]*)",\s*\w+,\s*AUTH_\w+')  # /metrics, /status too
# Served by nginx itself, not by a route of the pool.
SERVED_BY_NGINX = {("GET", "/api/v1/openapi.json")}


def repo(ctx):
    return ctx.repo or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def test_the_document_is_served_as_kept(ctx):
    r = ctx.get("/api/v1/openapi.json")
    ctx.expect(r, 200, what="openapi.json")
    check((r.header("Content-Type") or "").startswith("application/json"), "served as JSON")
    with open(os.path.join(repo(ctx), "docs", "openapi.json"), encoding="utf-8") as f:
        kept = json.load(f)
    eq(r.json, kept, "the served document is the repository's")
    eq(kept["openapi"][:3], "3.1", "OpenAPI 3.1")


def test_the_document_names_every_route_and_no_other(ctx):
    served = set()
    for path in glob.glob(os.path.join(repo(ctx), "fcgi", "*", "*_routes.c")):
        with open(path, encoding="utf-8") as f:
            served |= set(ROUTE_LINE.findall(f.read()))
    check(len(served) > 40, "the route tables were read (%d routes)" % len(served))
    with open(os.path.join(repo(ctx), "docs", "openapi.json"), encoding="utf-8") as f:
        document = json.load(f)
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    eq(sorted(served - documented), [], "routes the document misses")
    eq(sorted(documented - served - SERVED_BY_NGINX), [], "documented routes the pool does not serve")
