"""The kiosk's page (/kiosk/{kiosk}), its static files, and the QR code of a ticket page."""

from __future__ import annotations

import asyncio
import io

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.page import STATIC_DIR, render_page
from server.domain.errors import NotFound

from .state import device_system, read_ticket, ticket_system

STATIC_URL = "/static/kiosk"
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'"
)


async def kiosk_page(request: Request) -> HTMLResponse:
    kiosk = request.path_params["kiosk"]
    system = device_system(request, kiosk)
    if kiosk not in system.office.kiosks:
        raise NotFound(f"発券機 {kiosk!r} はありません。", kind="kiosk", id=kiosk)
    config = {
        "kiosk": kiosk,
        "office": system.office.id,
        "office_names": system.office.names,
        "open_issuing": system.office.open_issuing,
    }
    return HTMLResponse(
        render_page(config, STATIC_URL),
        headers={
            "Content-Security-Policy": _CSP,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",  # the pairing token is in the first address
        },
    )


async def ticket_qr(request: Request) -> Response:
    """The QR code of a ticket's page, as SVG: the kiosk shows it when the ticket could not
    be printed, for the visitor to scan or photograph."""
    token = request.path_params["token"]
    system = await ticket_system(request, token, by_token=True)
    await asyncio.to_thread(read_ticket, system, token, by_token=True)  # else 404
    base = (system.settings.public_url or str(request.base_url)).rstrip("/")
    svg = await asyncio.to_thread(qr_svg, f"{base}/t/{token}")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def qr_svg(url: str) -> bytes:
    import qrcode
    from qrcode.image.svg import SvgPathImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    out = io.BytesIO()
    code.make_image(image_factory=SvgPathImage).save(out)
    return out.getvalue()


def routes() -> list[BaseRoute]:
    return [
        Route("/kiosk/{kiosk}", kiosk_page),
        Route("/api/v1/visitor/{token}/qr.svg", ticket_qr),
        Mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="kiosk-static"),
    ]
