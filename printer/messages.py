"""The few sentences a ticket prints in the visitor's language.

A ticket carries four fixed phrases, so they live here rather than in the server's gettext
catalogs: the printer package must not depend on the server. Placeholders are
``str.format`` fields: ``{n}`` people ahead, ``{lo}``/``{hi}`` minutes.
"""

from __future__ import annotations

from typing import Final

from printer.languages import LANGUAGES

# key -> lang -> text
CATALOG: Final[dict[str, dict[str, str]]] = {
    "instruction": {
        "ja": "番号が呼ばれるまでお待ちください",
        "ja-easy": "ばんごうを よぶまで まって ください",
        "en": "Please wait until your number is called",
        "zh": "叫到您的号码之前，请稍候",
        "ko": "번호가 호출될 때까지 기다려 주십시오",
        "vi": "Vui lòng chờ đến khi số của bạn được gọi",
        "ne": "कृपया तपाईंको नम्बर नबोलाएसम्म पर्खनुहोस्",
    },
    "ahead": {
        "ja": "お待ちの方 {n}人",
        "ja-easy": "まえに まっている ひと {n}にん",
        "en": "People ahead of you: {n}",
        "zh": "前面等候人数：{n}人",
        "ko": "앞 대기 인원: {n}명",
        "vi": "Số người chờ trước bạn: {n}",
        "ne": "तपाईंभन्दा अगाडि पर्खिरहेका: {n} जना",
    },
    "estimate": {
        "ja": "待ち時間の目安 約{lo}〜{hi}分",
        "ja-easy": "まつ じかん やく {lo}〜{hi}ふん",
        "en": "Estimated wait: about {lo}–{hi} min",
        "zh": "预计等候时间：约{lo}〜{hi}分钟",
        "ko": "예상 대기 시간: 약 {lo}~{hi}분",
        "vi": "Thời gian chờ dự kiến: khoảng {lo}–{hi} phút",
        "ne": "अनुमानित प्रतीक्षा: करिब {lo}–{hi} मिनेट",
    },
    "estimate_one": {
        "ja": "待ち時間の目安 約{lo}分",
        "ja-easy": "まつ じかん やく {lo}ふん",
        "en": "Estimated wait: about {lo} min",
        "zh": "预计等候时间：约{lo}分钟",
        "ko": "예상 대기 시간: 약 {lo}분",
        "vi": "Thời gian chờ dự kiến: khoảng {lo} phút",
        "ne": "अनुमानित प्रतीक्षा: करिब {lo} मिनेट",
    },
    "qr": {
        "ja": "QRコードで待ち状況を確認できます",
        "ja-easy": "QRコードで じゅんばんが わかります",
        "en": "Scan the QR code to follow your place in line",
        "zh": "扫描二维码可查看排队情况",
        "ko": "QR 코드로 대기 상황을 확인할 수 있습니다",
        "vi": "Quét mã QR để xem tình trạng chờ",
        # Noto Sans Devanagari has no Latin letters, so "QR" is written in Devanagari.
        "ne": "क्यूआर कोड स्क्यान गरी आफ्नो पालो हेर्नुहोस्",
    },
}


def message(key: str, lang: str, **fields: object) -> str:
    """The phrase ``key`` in ``lang``, formatted; an unknown language raises ValueError."""
    texts = CATALOG[key]
    if lang not in texts:
        raise ValueError(f"no ticket text for language {lang!r}; expected one of {LANGUAGES}")
    return texts[lang].format(**fields)
