"""The announcement composition: what a display says for a call, in which languages, in
what order (display/announce.py, pure)."""

from __future__ import annotations

import pytest

from display import announce
from display.page import labels
from printer.catalog import load
from printer.languages import LANGUAGES


@pytest.mark.parametrize(
    ("number", "shown", "spoken"),
    [
        ("A-023", "Aの23番", "エーの23番"),
        ("B-012", "Bの12番", "ビーの12番"),
        ("K-001", "Kの1番", "ケーの1番"),
        ("H-100", "Hの100番", "エイチの100番"),
        ("D-999", "Dの999番", "ディーの999番"),
    ],
)
def test_a_number_is_read_as_its_letter_and_its_value_without_leading_zeros(
    number: str, shown: str, spoken: str
) -> None:
    assert announce.said_number(number, "ja") == (shown, spoken)


def test_a_call_in_japanese_names_the_number_and_the_counter() -> None:
    said = announce.utterance("call", "A-023", "3", "ja")
    assert said.text == "受付番号 Aの23番の方、3番窓口へお越しください。"
    assert said.speech == "受付番号 エーの23番の方、3番窓口へお越しください。"
    assert said.lang == "ja"


def test_a_call_in_english_names_the_number_and_the_counter() -> None:
    said = announce.utterance("call", "A-023", "3", "en")
    assert said.text == "Ticket number A 23, please come to counter 3."
    assert said.speech == said.text


def test_two_digit_counters_are_read_whole() -> None:
    assert "11番窓口" in announce.utterance("call", "E-004", "11", "ja").text
    assert "counter 21." in announce.utterance("call", "K-004", "21", "en").text


def test_a_recall_is_announced_as_a_recall() -> None:
    call = announce.utterance("call", "A-023", "3", "ja").text
    recall = announce.utterance("recall", "A-023", "3", "ja").text
    assert recall != call
    assert "もう一度お呼びします" in recall and "Aの23番" in recall and "3番窓口" in recall
    assert announce.utterance("recall", "A-023", "3", "en").text.startswith("Calling again")


def test_a_ready_document_is_announced_as_ready_at_the_pickup_counter() -> None:
    said = announce.utterance("ready", "B-012", "11", "ja")
    assert said.text == "受付番号 Bの12番の方、証明書の準備ができました。11番窓口へお越しください。"
    assert "certificate is ready" in announce.utterance("ready", "B-012", "11", "en").text


@pytest.mark.parametrize(
    ("event_type", "counter", "pickup", "kind"),
    [
        ("ticket.called", "3", None, "call"),
        ("ticket.called", "4", "11", "call"),
        ("ticket.recalled", "4", "11", "recall"),
        ("ticket.recalled", "11", "11", "recall_ready"),
        ("ticket.ready", "11", "11", "ready"),
        ("ticket.started", "3", None, None),
        ("ticket.issued", None, None, None),
        ("ticket.handed_over", "11", "11", None),
    ],
)
def test_each_event_makes_its_kind_of_announcement(
    event_type: str, counter: str | None, pickup: str | None, kind: str | None
) -> None:
    assert announce.kind_of(event_type, counter, pickup) == kind


def test_japanese_comes_first_then_the_displays_languages_then_the_visitors() -> None:
    assert announce.languages_for(["ja", "en"], "vi") == ["ja", "en", "vi"]
    assert announce.languages_for(["en", "zh"], "ne") == ["ja", "en", "zh", "ne"]


def test_a_language_is_said_once_even_when_named_twice() -> None:
    assert announce.languages_for(["ja", "en"], "en") == ["ja", "en"]
    assert announce.languages_for(["ja", "en"], "ja") == ["ja", "en"]
    assert announce.languages_for(["ja", "en", "ja", "en"], None) == ["ja", "en"]


def test_easy_japanese_is_its_own_language() -> None:
    langs = announce.languages_for(["ja", "en"], "ja-easy")
    assert langs == ["ja", "en", "ja-easy"]
    said = announce.utterance("call", "A-023", "3", "ja-easy")
    assert said.speech == "エーの 23ばんの かた、3ばんの まどぐちへ きて ください。"


def test_an_unknown_language_is_left_out() -> None:
    assert announce.languages_for(["ja", "xx"], "tlh") == ["ja"]


def test_an_announcement_is_one_sentence_per_language_in_order() -> None:
    said = announce.announcement("call", "C-007", "7", ["ja", "en"], "ko")
    assert [u.lang for u in said] == ["ja", "en", "ko"]
    assert said[2].text == "C 7번 고객님, 7번 창구로 오십시오."
    assert all("7" in u.text for u in said)


@pytest.mark.parametrize("number", ["", "A", "023", "a-023", "A-", "A-02x", "ABCD-001"])
def test_a_malformed_number_is_refused(number: str) -> None:
    with pytest.raises(ValueError, match="expected a prefix and digits"):
        announce.utterance("call", number, "3", "ja")


@pytest.mark.parametrize("counter", ["", "3/../4", "窓口", "123456789"])
def test_a_malformed_counter_is_refused(counter: str) -> None:
    with pytest.raises(ValueError, match="desk's number"):
        announce.utterance("call", "A-001", counter, "ja")


def test_an_unknown_kind_or_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'shout'"):
        announce.utterance("shout", "A-001", "3", "ja")
    with pytest.raises(ValueError, match="'xx'"):
        announce.utterance("call", "A-001", "3", "xx")


def test_every_sentence_and_label_exists_in_every_language() -> None:
    assert set(load("display", "announce").words) == set(LANGUAGES)
    for texts in load("display", "announce").words.values():
        assert tuple(texts) == announce.KINDS
    for key, texts in labels().items():
        assert set(texts) == set(LANGUAGES), key
    for kind in announce.KINDS:
        for lang in LANGUAGES:
            text = announce.utterance(kind, "A-023", "3", lang).text
            assert "23" in text and "3" in text and "{" not in text, (kind, lang)
