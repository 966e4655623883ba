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


def test_the_document_gives_schemes_bodies_errors_and_content_types(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer"
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "madoguchi_session")
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    paths = doc["paths"]
    # A change by cookie needs the CSRF header; a read does not.
    assert {"session": [], "csrf": []} in paths["/api/v1/tickets/{id}/start"]["post"]["security"]
    assert {"session": []} in paths["/api/v1/tickets/{id}"]["get"]["security"]
    issuing = paths["/api/v1/offices/{office}/tickets"]["post"]
    for status in ("401", "403", "409", "413", "422", "429"):
        assert issuing["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, status
    assert "Retry-After" in issuing["responses"]["429"]["headers"]
    assert "429" in paths["/api/v1/auth/token"]["post"]["responses"]
    put = paths["/api/v1/visitor/{token}/form"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FormValues"
    }
    kinds = {
        "/api/v1/offices/{office}/log.csv": "text/csv",
        "/api/v1/offices/{office}/opendata/daily.csv": "text/csv",
        "/api/v1/visitor/{token}/qr.svg": "image/svg+xml",
        "/api/v1/tickets/{id}/form.pdf": "application/pdf",
    }
    for path, kind in kinds.items():
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == [kind], path
