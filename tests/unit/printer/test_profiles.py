from __future__ import annotations

import pytest

from printer.profiles import DEFAULT, PrinterProfile, get_profile


def test_default_profile_is_80mm_raster_with_native_qr() -> None:
    assert get_profile(None) is DEFAULT
    assert (DEFAULT.width_dots, DEFAULT.font_rom, DEFAULT.native_qr) == (576, "none", True)


def test_japanese_model_profile_has_a_kanji_font_rom() -> None:
    assert get_profile("tm-t88-ja").font_rom == "japanese"


def test_58mm_profile_is_384_dots_wide() -> None:
    assert get_profile("generic-58").width_dots == 384


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="tm-t88-ja"):
        get_profile("tm-u220")


def test_a_width_that_is_not_whole_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 8"):
        PrinterProfile(name="odd", width_dots=500)
