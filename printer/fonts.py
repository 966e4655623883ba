"""Finding the fonts a raster ticket is drawn with.

Fonts come from Debian packages (see docs/printers.md for their licences), found through
fontconfig (``fc-match``) and, where fontconfig is missing, at their Debian paths.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont


class FontNotFound(RuntimeError):
    """No usable font for a script; the message names the package to install."""


@dataclass(frozen=True)
class FontChoice:
    family: str
    package: str  # the Debian package that provides it
    fallback_paths: tuple[tuple[str, int], ...] = ()  # (path, face index) by weight "bold"


_CJK_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
_JP = FontChoice("Noto Sans CJK JP", "fonts-noto-cjk", ((_CJK_BOLD, 0),))
_LATIN = FontChoice(
    "Noto Sans",
    "fonts-noto-core",
    (
        ("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", 0),
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ),
)

# The visitor's language decides the face: the JP face draws Han characters the Japanese way,
# SC and KR faces the Chinese and Korean way; Vietnamese needs Latin with stacked diacritics.
FONT_BY_LANG: dict[str, FontChoice] = {
    "ja": _JP,
    "ja-easy": _JP,
    "en": _JP,
    "zh": FontChoice("Noto Sans CJK SC", "fonts-noto-cjk", ((_CJK_BOLD, 2),)),
    "ko": FontChoice("Noto Sans CJK KR", "fonts-noto-cjk", ((_CJK_BOLD, 1),)),
    "vi": _LATIN,
    "ne": FontChoice(
        "Noto Sans Devanagari",
        "fonts-noto-core",
        (("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Bold.ttf", 0),),
    ),
}


@lru_cache(maxsize=64)
def load_font(lang: str, size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """A font able to draw text in ``lang`` at ``size`` pixels; raise FontNotFound."""
    choice = FONT_BY_LANG.get(lang, _JP)
    path, index = _locate(choice, bold)
    return ImageFont.truetype(path, size, index=index)


@lru_cache(maxsize=16)
def _locate(choice: FontChoice, bold: bool) -> tuple[str, int]:
    found = _fc_match(choice.family, bold)
    if found:
        return found
    for path, index in choice.fallback_paths:
        try:
            ImageFont.truetype(path, 10, index=index)
        except OSError:
            continue
        return path, index
    raise FontNotFound(
        f"font {choice.family!r} not found: install the Debian package {choice.package} "
        f"(apt-get install {choice.package})"
    )


def _fc_match(family: str, bold: bool) -> tuple[str, int] | None:
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}|%{file}|%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, rest = out.partition("|")
    path, _, index = rest.partition("|")
    # fc-match always answers with *some* font; only accept the family asked for.
    if family not in families.split(",") or not path:
        return None
    return path, int(index or 0)
