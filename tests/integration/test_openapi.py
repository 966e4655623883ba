"""The OpenAPI document names every route of /api/v1 the app serves."""

from __future__ import annotations

import re

from starlette.testclient import TestClient


def test_every_api_route_of_the_app_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for route in client.app.routes:  # type: ignore[attr-defined]
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", getattr(route, "path", ""))
        if path.startswith("/api/v1/") and "{action}" not in path and "openapi" not in path:
            for method in getattr(route, "methods", None) or {"GET"}:
                if method != "HEAD":
                    assert method.lower() in paths.get(path, {}), (method, path)
    for listed in ("/api/v1/offices/{office}/devices", "/api/v1/tickets/{id}/transfer"):
        assert listed in paths
