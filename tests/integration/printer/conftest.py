from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from printer.layout import TicketLayout, build_layout

TICKET_URL = "https://madoguchi.example/t/q8Xv2kLmN0"


@pytest.fixture
def ticket() -> TicketLayout:
    return build_layout(
        office="中野区役所",
        area="戸籍住民課",
        floor="2F",
        service="転入・転出・転居の届出",
        service_local="Chuyển đến, chuyển đi, chuyển chỗ ở",
        number="A-023",
        people_ahead=12,
        estimate_min=(40, 60),
        issued_at=datetime(2026, 11, 25, 9, 5, tzinfo=ZoneInfo("Asia/Tokyo")),
        url=TICKET_URL,
        lang="vi",
    )
