"""What a floor display says for a call: which sentences, in which languages, in what order.

Pure but for reading the sentences from their catalog (display/locale/announce.pot and a .po
per language) once: no clock. The server calls it to attach an `announce` list to each call
event on a display channel, and to know which sentence an audio clip's address stands for.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Final

from printer.catalog import load
from printer.languages import LANGUAGES, is_japanese

# What a call says, each a message of the catalog. "recall" is a second call of the same
# number; "ready" calls a number to the pickup counter (交付) once the document is made.
# Placeholders: {number}, the ticket number as said in that language; {counter}, the desk.
KINDS: Final = ("call", "recall", "ready", "recall_ready")
JAPANESE = tuple(lang for lang in LANGUAGES if is_japanese(lang))

# How a voice says the letters of a ticket prefix in Japanese (the synthesiser skips
# Latin letters or spells them oddly; "A" read as エー is how a ward office says it).
KANA_LETTERS: Final = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            "エー",
            "ビー",
            "シー",
            "ディー",
            "イー",
            "エフ",
            "ジー",
            "エイチ",
            "アイ",
            "ジェー",
            "ケー",
            "エル",
            "エム",
            "エヌ",
            "オー",
            "ピー",
            "キュー",
            "アール",
            "エス",
            "ティー",
            "ユー",
            "ブイ",
            "ダブリュー",
            "エックス",
            "ワイ",
            "ゼット",
        ],
        strict=True,
    )
)
_NUMBER = re.compile(r"(?P<prefix>[A-Z]{1,3})-?(?P<digits>[0-9]{1,5})")
_COUNTER = re.compile(r"[0-9A-Za-z]{1,8}")


@dataclasses.dataclass(frozen=True, slots=True)
class Utterance:
    lang: str
    text: str  # what the screen shows, canonical
    speech: str  # what a voice reads (Japanese: prefix letters in katakana)


def parse_number(number: str) -> tuple[str, int]:
    """`A-023` -> ("A", 23). A ValueError names what was expected."""
    found = _NUMBER.fullmatch(number)
    if found is None:
        raise ValueError(f"ticket number {number!r}: expected a prefix and digits, e.g. A-023")
    return found["prefix"], int(found["digits"])


def check_counter(counter: str) -> str:
    if not _COUNTER.fullmatch(counter):
        raise ValueError(f"counter {counter!r}: expected the desk's number, e.g. 3")
    return counter


def said_number(number: str, lang: str) -> tuple[str, str]:
    """The number as shown and as spoken in `lang`: A-023 -> ("Aの23番", "エーの23番")."""
    prefix, n = parse_number(number)
    kana = "".join(KANA_LETTERS[c] for c in prefix)
    if lang == "ja":
        return f"{prefix}の{n}番", f"{kana}の{n}番"
    if lang == "ja-easy":
        return f"{prefix}の {n}ばん", f"{kana}の {n}ばん"
    if lang == "zh":
        return f"{prefix}{n}", f"{prefix}{n}"
    return f"{prefix} {n}", f"{prefix} {n}"


def kind_of(event_type: str, counter: str | None, pickup_counter: str | None) -> str | None:
    """The announcement a call event makes, or None for an event that is not announced.
    A recall at the service's pickup counter recalls a document that is ready."""
    if event_type == "ticket.called":
        return "call"
    if event_type == "ticket.ready":
        return "ready"
    if event_type == "ticket.recalled":
        at_pickup = pickup_counter is not None and counter == pickup_counter
        return "recall_ready" if at_pickup else "recall"
    return None


def languages_for(display_languages: Iterable[str], ticket_lang: str | None) -> list[str]:
    """Japanese first, then the display's languages in its order, then the visitor's own
    language when it is another one; each once, unknown ones left out."""
    out: list[str] = []
    for lang in ("ja", *display_languages, ticket_lang):
        if lang in LANGUAGES and lang not in out:
            out.append(lang)
    return out


def utterance(kind: str, number: str, counter: str, lang: str) -> Utterance:
    if kind not in KINDS:
        raise ValueError(f"announcement {kind!r}: expected one of {', '.join(KINDS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    template = load("display", "announce").messages(lang)[kind]
    shown, spoken = said_number(number, lang)
    desk = check_counter(counter)
    return Utterance(
        lang,
        template.format(number=shown, counter=desk),
        template.format(number=spoken, counter=desk),
    )


def announcement(
    kind: str,
    number: str,
    counter: str,
    display_languages: Iterable[str],
    ticket_lang: str | None = None,
) -> list[Utterance]:
    """The sentences for one call, in the order they are played."""
    return [
        utterance(kind, number, counter, lang)
        for lang in languages_for(display_languages, ticket_lang)
    ]
