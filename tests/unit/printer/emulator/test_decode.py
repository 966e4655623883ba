from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from printer.emulator.decode import Decoder, QRCode, Raster, TextLine, decode

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"


def qr_store_and_print(data: bytes) -> bytes:
    n = len(data) + 3
    return GS + b"(k" + bytes([n % 256, n // 256]) + b"1P0" + data + GS + b"(k\x03\x001Q0"


def test_plain_text_lines_keep_their_style() -> None:
    (job,) = decode(ESC + b"@" + ESC + b"a\x01" + ESC + b"E\x01" + GS + b"!\x33" + b"B-012\n")
    assert job.items == [TextLine("B-012", width=4, height=4, bold=True, align=1)]
    assert job.cut is None


def test_a_cut_ends_a_job() -> None:
    jobs = decode(b"one\n" + GS + b"V\x01" + b"two\n" + GS + b"VA\x03")
    assert [j.text() for j in jobs] == ["one\n[cut partial]\n", "two\n[cut full]\n"]


def test_kanji_mode_shift_jis_decodes_to_japanese() -> None:
    text = "中野区役所 2F"
    data = FS + b"&" + FS + b"C\x01" + text.encode("cp932") + FS + b"." + b"\n"
    (job,) = decode(data)
    assert job.items == [TextLine(text, kanji=True)]


def test_bytes_outside_kanji_mode_are_not_read_as_shift_jis() -> None:
    (job,) = decode("中".encode("cp932") + b"\n")
    assert job.items[0].text != "中"  # type: ignore[union-attr]


def test_native_qr_code_is_decoded_to_its_payload() -> None:
    url = b"https://madoguchi.example/t/Zx8_kq"
    data = GS + b"(k\x03\x001C\x08" + GS + b"(k\x03\x001E1" + qr_store_and_print(url)
    (job,) = decode(data)
    assert job.items == [QRCode(url.decode(), module_size=8, ec="M")]


def test_raster_image_is_decoded_pixel_for_pixel() -> None:
    # 16x2 dots: first row left byte black, second row right byte black
    data = GS + b"v0\x00\x02\x00\x02\x00" + b"\xff\x00\x00\xff"
    (job,) = decode(data)
    (raster,) = job.items
    assert isinstance(raster, Raster)
    assert raster.image.size == (16, 2)
    assert raster.image.getpixel((0, 0)) == 0 and raster.image.getpixel((15, 0)) == 255
    assert raster.image.getpixel((0, 1)) == 255 and raster.image.getpixel((15, 1)) == 0


def test_status_requests_are_reported_and_not_printed() -> None:
    decoder = Decoder()
    assert decoder.feed(b"\x10\x04\x01\x10\x04\x04") == [1, 4]
    assert decoder.finish() == []


def test_feed_lines_print_blank_lines() -> None:
    (job,) = decode(b"a\n" + ESC + b"d\x02")
    assert [i.text for i in job.items] == ["a", "", ""]  # type: ignore[union-attr]


@given(st.binary(min_size=1, max_size=200), st.integers(min_value=1, max_value=199))
def test_a_job_split_anywhere_decodes_the_same(tail: bytes, cut_at: int) -> None:
    data = (
        ESC
        + b"@"
        + FS
        + b"&"
        + "受付番号".encode("cp932")
        + FS
        + b".\n"
        + qr_store_and_print(b"https://x.example/t/" + tail.hex().encode())
        + GS
        + b"v0\x00\x01\x00\x01\x00\x80"
        + b"\x10\x04\x04"
        + GS
        + b"V\x01"
    )
    cut_at = min(cut_at, len(data) - 1)
    whole = Decoder()
    whole_requests = whole.feed(data)
    split = Decoder()
    split_requests = split.feed(data[:cut_at]) + split.feed(data[cut_at:])
    assert split_requests == whole_requests == [4]
    assert [j.text() for j in split.finish()] == [j.text() for j in whole.finish()]
