"""ESC/POS bytes decoded into jobs: text lines, raster images, QR codes, cuts.

Pure. ``Decoder`` is incremental (the TCP emulator feeds it what arrives, and a command split
across two reads waits for its tail); ``decode(data)`` is the one-shot form. Real-time status
requests (DLE EOT n) are returned by ``feed`` in order so that the emulator can answer them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

ESC, GS, FS, DLE, LF = 0x1B, 0x1D, 0x1C, 0x10, 0x0A
# Commands whose arguments we skip: byte -> number of argument bytes.
ESC_SKIP = {ord(c): 1 for c in "-GMtV{3JRUcpr"} | {ord("2"): 0, ord("="): 1}
GS_SKIP = {ord(c): 1 for c in "BHhwfab"} | {ord("L"): 2, ord("W"): 2}


@dataclass(frozen=True)
class TextLine:
    text: str
    width: int = 1  # size multipliers (GS !)
    height: int = 1
    bold: bool = False
    align: int = 0  # 0 left, 1 centre, 2 right
    kanji: bool = False  # some of it came in kanji mode


@dataclass(frozen=True)
class Raster:
    image: Image.Image  # mode "1", 0 = black
    align: int = 0


@dataclass(frozen=True)
class QRCode:
    data: str
    module_size: int = 3
    ec: str = "L"
    align: int = 0


Item = TextLine | Raster | QRCode


@dataclass
class Job:
    items: list[Item] = field(default_factory=list)
    cut: str | None = None  # "full", "partial" or None when the data ended without a cut

    def text(self) -> str:
        """The job as text: lines, ``[image WxH]``, ``[qr DATA]``, ``[cut KIND]``."""
        out: list[str] = []
        for item in self.items:
            if isinstance(item, TextLine):
                out.append(item.text)
            elif isinstance(item, Raster):
                out.append(f"[image {item.image.width}x{item.image.height}]")
            else:
                out.append(f"[qr {item.data}]")
        if self.cut:
            out.append(f"[cut {self.cut}]")
        return "\n".join(out) + "\n"


class _Incomplete(Exception):
    """The buffer ends in the middle of a command."""


@dataclass
class _State:
    align: int = 0
    bold: bool = False
    width: int = 1
    height: int = 1
    kanji: bool = False
    sjis: bool = True  # FS C: 0 = JIS, 1 = Shift_JIS; Japanese models default to Shift_JIS
    qr_data: bytes = b""
    qr_size: int = 3
    qr_ec: str = "L"


class Decoder:
    def __init__(self) -> None:
        self.jobs: list[Job] = []  # completed (cut) jobs
        self._job = Job()
        self._state = _State()
        self._line: list[tuple[bool, bytes]] = []
        self._line_style: TextLine | None = None
        self._line_kanji = False
        self._buffer = b""

    def feed(self, data: bytes) -> list[int]:
        """Decode what has arrived; return the DLE EOT requests (n) it contained."""
        buf = self._buffer + data
        requests: list[int] = []
        i = 0
        while i < len(buf):
            try:
                i = self._step(buf, i, requests)
            except _Incomplete:
                break
        self._buffer = buf[i:]
        return requests

    def finish(self) -> list[Job]:
        """All jobs, including a last one that ended without a cut."""
        self._flush_line(force=False)
        if self._job.items:
            self.jobs.append(self._job)
            self._job = Job()
        return self.jobs

    def _step(self, buf: bytes, i: int, requests: list[int]) -> int:
        b = buf[i]
        if b == ESC:
            return self._esc(buf, i)
        if b == GS:
            return self._gs(buf, i)
        if b == FS:
            return self._fs(buf, i)
        if b == DLE:
            cmd, n = _need(buf, i + 1, 2)
            if cmd == 0x04:  # DLE EOT n: real-time status
                requests.append(n)
            return i + 3 if cmd in (0x04, 0x05, 0x14) else i + 1
        if b == LF:
            self._flush_line(force=True)
            return i + 1
        if b < 0x20:  # CR, HT and other controls: nothing to print
            return i + 1
        if self._state.kanji and self._state.sjis and _is_sjis_lead(b):
            _need(buf, i + 1, 1)
            self._add_text(buf[i : i + 2])
            return i + 2
        self._add_text(bytes([b]))
        return i + 1

    def _esc(self, buf: bytes, i: int) -> int:
        (cmd,) = _need(buf, i + 1, 1)
        st = self._state
        if cmd == ord("@"):
            self._flush_line(force=False)
            self._state = _State()
            return i + 2
        if cmd in (ord("a"), ord("E"), ord("!"), ord("d")):
            (n,) = _need(buf, i + 2, 1)
            if cmd == ord("a"):
                st.align = n - 48 if n >= 48 else n
            elif cmd == ord("E"):
                st.bold = bool(n & 1)
            elif cmd == ord("!"):
                st.bold, st.width, st.height = bool(n & 8), 2 if n & 32 else 1, 2 if n & 16 else 1
            else:
                self._flush_line(force=False)
                for _ in range(n):
                    self._job.items.append(self._styled(""))
            return i + 3
        return i + 2 + ESC_SKIP.get(cmd, 0)

    def _gs(self, buf: bytes, i: int) -> int:
        (cmd,) = _need(buf, i + 1, 1)
        if cmd == ord("!"):
            (n,) = _need(buf, i + 2, 1)
            self._state.width, self._state.height = (n >> 4) + 1, (n & 15) + 1
            return i + 3
        if cmd == ord("V"):
            (m,) = _need(buf, i + 2, 1)
            end = i + 4 if m in (65, 66) else i + 3
            _need(buf, i + 2, end - i - 2)
            self._cut("partial" if m in (1, 49, 66) else "full")
            return end
        if cmd == ord("v"):
            _, _, xl, xh, yl, yh = _need(buf, i + 2, 6)
            width_bytes, height = xl + 256 * xh, yl + 256 * yh
            start = i + 8
            data = _need(buf, start, width_bytes * height)
            self._flush_line(force=False)
            img = Image.frombytes("1", (width_bytes * 8, height), data, "raw", "1;I")
            self._job.items.append(Raster(img, self._state.align))
            return start + width_bytes * height
        if cmd == ord("("):
            fn_kind, pl, ph = _need(buf, i + 2, 3)
            size = pl + 256 * ph
            body = _need(buf, i + 5, size)
            if fn_kind == ord("k"):
                self._qr(body)
            return i + 5 + size
        return i + 2 + GS_SKIP.get(cmd, 0)

    def _fs(self, buf: bytes, i: int) -> int:
        (cmd,) = _need(buf, i + 1, 1)
        if cmd == ord("&"):
            self._state.kanji = True
            return i + 2
        if cmd == ord("."):
            self._state.kanji = False
            return i + 2
        if cmd == ord("C"):
            (n,) = _need(buf, i + 2, 1)
            self._state.sjis = n in (1, 49)
            return i + 3
        return i + 2 + (1 if cmd in (ord("!"), ord("W"), ord("-")) else 0)

    def _qr(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 49:  # cn 49: QR code
            return
        fn, st = body[1], self._state
        if fn == 67 and len(body) > 2:
            st.qr_size = body[2]
        elif fn == 69 and len(body) > 2:
            st.qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(body[2], "L")
        elif fn == 80:
            st.qr_data = body[3:]
        elif fn == 81:
            self._flush_line(force=False)
            text = st.qr_data.decode("utf-8", "replace")
            self._job.items.append(QRCode(text, st.qr_size, st.qr_ec, st.align))

    def _cut(self, kind: str) -> None:
        self._flush_line(force=False)
        self._job.cut = kind
        self.jobs.append(self._job)
        self._job = Job()

    def _add_text(self, raw: bytes) -> None:
        if self._line_style is None:
            self._line_style = self._styled("")
        self._line_kanji = self._line_kanji or self._state.kanji
        # Keep each byte's mode so that a line mixing modes decodes each part right.
        self._line.append((self._state.kanji, raw))

    def _flush_line(self, *, force: bool) -> None:
        if not self._line and not force:
            return
        style = self._line_style or self._styled("")
        text = _decode_runs(self._line)
        self._job.items.append(
            TextLine(text, style.width, style.height, style.bold, style.align, self._line_kanji)
        )
        self._line.clear()
        self._line_style = None
        self._line_kanji = False

    def _styled(self, text: str) -> TextLine:
        st = self._state
        return TextLine(text, st.width, st.height, st.bold, st.align)


def decode(data: bytes) -> list[Job]:
    """Every job in ``data``, split at the cuts."""
    decoder = Decoder()
    decoder.feed(data)
    return decoder.finish()


def _need(buf: bytes, start: int, n: int) -> bytes:
    if start + n > len(buf):
        raise _Incomplete
    return buf[start : start + n]


def _is_sjis_lead(b: int) -> bool:
    return 0x81 <= b <= 0x9F or 0xE0 <= b <= 0xFC


def _decode_runs(runs: list[tuple[bool, bytes]]) -> str:
    """Kanji-mode bytes are CP932, the rest code page 437 (ESC t 0, the power-on default)."""
    out: list[str] = []
    kanji, chunk = False, bytearray()
    for is_kanji, raw in runs + [(not runs[-1][0] if runs else False, b"")]:
        if is_kanji != kanji and chunk:
            out.append(chunk.decode("cp932" if kanji else "cp437", "replace"))
            chunk = bytearray()
        kanji = is_kanji
        chunk += raw
    return "".join(out)
