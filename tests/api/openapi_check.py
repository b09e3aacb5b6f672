"""openapi_check.py: every answer the API suite gets, checked against the
OpenAPI document the repository keeps (docs/openapi.json), so the document
cannot drift from the code (issue 11).

For an answer to a path the document has: its status must be one the
operation lists, and a JSON body must validate against that status's
schema (Debian's python3-jsonschema, Draft 2020-12 as OpenAPI 3.1 uses).
Paths outside the document (a 404 for a route that does not exist) are
left to the suite's envelope checks."""

import json
import os
import re

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
DOCUMENT = os.path.join(HERE, "..", "..", "docs", "openapi.json")


def _resolve(node, components):
    """The document with every local $ref replaced by what it names (the
    document has no recursive schemas)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target = components
            for part in ref[2:].split("/"):
                target = target[part]
            return _resolve(target, components)
        return {k: _resolve(v, components) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, components) for v in node]
    return node


class Document:
    def __init__(self, path=DOCUMENT):
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        self.document = _resolve(raw, raw)
        self.operations = []
        for pattern, item in self.document["paths"].items():
            regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"([^/]+)", re.escape(pattern)) + "$"
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    self.operations.append((re.compile(regex), method.upper(), pattern, operation))
        self.validators = {}

    def operation(self, method, path):
        path = path.split("?", 1)[0]
        for regex, op_method, pattern, operation in self.operations:
            if op_method == method and regex.match(path):
                return pattern, operation
        return None, None

    def problems(self, method, path, status, content_type, body):
        """What is wrong with one answer, or None. body is the parsed JSON
        (None when the answer is not JSON)."""
        pattern, operation = self.operation(method, path)
        if operation is None:
            return None
        responses = operation["responses"]
        answer = responses.get(str(status))
        if answer is None:
            return "%s %s answered %d, which the document does not list (%s)" % (
                method, pattern, status, ", ".join(sorted(responses)))
        media = (content_type or "").split(";")[0].strip()
        content = answer.get("content")
        if not content:
            if body is not None:
                return "%s %s %d: the document says no body" % (method, pattern, status)
            return None
        if media not in content:
            return "%s %s %d: content type %r is not one of %s" % (method, pattern, status, media, sorted(content))
        if media != "application/json":
            return None
        key = (method, pattern, status)
        validator = self.validators.get(key)
        if validator is None:
            validator = jsonschema.Draft202012Validator(content[media]["schema"])
            self.validators[key] = validator
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(the body)"
            return "%s %s %d does not match the document at %s: %s" % (
                method, pattern, status, where, first.message[:300])
        return None
