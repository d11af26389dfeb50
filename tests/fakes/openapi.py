"""Validate HTTP traffic against a vendor's OpenAPI document (jsonschema, $refs resolved)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema's `type: [T, "null"]`."""
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@dataclass
class Operation:
    path: str
    method: str
    spec: dict[str, Any]

    @property
    def deprecated(self) -> bool:
        return bool(self.spec.get("deprecated"))


class OpenAPI:
    def __init__(self, document: dict[str, Any], base_path: str = "") -> None:
        self.doc = _nullable(document)
        self.base_path = base_path
        self.registry = Registry().with_resource(
            "spec", Resource.from_contents(self.doc, default_specification=DRAFT202012)
        )
        self._templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p)
            for p in self.doc["paths"]
        ]

    @classmethod
    @cache
    def load(cls, path: Path, base_path: str = "") -> OpenAPI:
        text = path.read_text(encoding="utf-8")
        document = (
            yaml.safe_load(text)
            if path.suffix in (".yml", ".yaml")
            else __import__("json").loads(text)
        )
        return cls(document, base_path)

    def operation(self, method: str, path: str) -> Operation | None:
        path = path.removeprefix(self.base_path) or "/"
        # Literal segments win over templates (/me/playlists before /users/{id}).
        matches = sorted(
            (t for rx, t in self._templates if rx.match(path)), key=lambda t: t.count("{")
        )
        for template in matches:
            op = self.doc["paths"][template].get(method.lower())
            if op is not None:
                return Operation(template, method.upper(), op)
        return None

    def _schema(self, schema: dict[str, Any]) -> jsonschema.protocols.Validator:
        wrapped = {"$ref": "spec#/__inline__"}
        doc = dict(self.doc, __inline__=schema)
        registry = Registry().with_resource(
            "spec", Resource.from_contents(doc, default_specification=DRAFT202012)
        )
        return jsonschema.Draft202012Validator(wrapped, registry=registry)

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.doc
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def check_request(self, method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
        """Problems with a request: unknown or deprecated operation, bad params, bad body."""
        op = self.operation(method, path)
        if op is None:
            return [f"{method} {path}: not in the spec"]
        problems = [f"{method} {op.path}: deprecated (removed)"] if op.deprecated else []
        params = {}
        for p in op.spec.get("parameters", []):
            p = self._resolve(p)
            params[p["name"]] = p
        for name, value in query.items():
            if name not in params:
                problems.append(f"{method} {op.path}: unknown query parameter {name}")
                continue
            schema = self._resolve(params[name].get("schema", {}))
            if schema.get("type") == "integer":
                try:
                    number = int(value)
                except ValueError:
                    problems.append(f"{name}={value!r} is not an integer")
                    continue
                if "maximum" in schema and number > schema["maximum"]:
                    problems.append(f"{name}={number} > maximum {schema['maximum']}")
                if "minimum" in schema and number < schema["minimum"]:
                    problems.append(f"{name}={number} < minimum {schema['minimum']}")
        for name, p in params.items():
            if p.get("required") and p.get("in") == "query" and name not in query:
                problems.append(f"{method} {op.path}: missing required {name}")
        request_body = op.spec.get("requestBody")
        if request_body and body is not None:
            schema = self._resolve(request_body)["content"]["application/json"]["schema"]
            problems += [f"body: {e.message}" for e in self._schema(schema).iter_errors(body)]
        return problems

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        op = self.operation(method, path)
        if op is None:
            return [f"{method} {path}: not in the spec"]
        response = op.spec.get("responses", {}).get(str(status))
        if response is None:
            return [f"{method} {op.path}: status {status} not documented"]
        content = self._resolve(response).get("content", {}).get("application/json")
        if content is None or body is None:
            return []
        return [
            f"{e.json_path}: {e.message}"
            for e in self._schema(content["schema"]).iter_errors(body)
        ]
