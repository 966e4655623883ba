"""The server's voice: a Japanese call is a real WAV of plausible length, made once and then
served from the cache; its address only ever says a call of this office."""

from __future__ import annotations

import asyncio
import io
import time
import wave
from collections.abc import Callable

import numpy as np
import pytest
from starlette.testclient import TestClient

from display import announce
from server import voice
from tests.conftest import sign_in

ISSUE = "/api/v1/offices/nakano/tickets"
COUNTERS = "/api/v1/offices/nakano/counters"

# pyopenjtalk-plus is a dependency: without it these tests fail rather than skip.


def seconds_and_level(clip: bytes) -> tuple[float, float]:
    with wave.open(io.BytesIO(clip)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float)
        return w.getnframes() / w.getframerate(), float(np.sqrt((pcm**2).mean()))


def test_a_japanese_call_is_a_wav_of_plausible_length() -> None:
    said = announce.utterance("call", "A-023", "3", "ja")
    seconds, rms = seconds_and_level(voice.synthesise(said.speech))
    assert 3.0 < seconds < 10.0  # about 5.5 s: a sentence read at a calm pace
    assert rms > 1000  # speech, not silence


def test_a_second_identical_call_comes_from_the_cache() -> None:
    v = voice.Voice()
    text = announce.utterance("recall", "B-012", "4", "ja").speech

    async def twice() -> tuple[bytes, bytes, bytes]:
        # Two displays asking at once share one synthesis; a third later hits the cache.
        first, second = await asyncio.gather(v.clip(text), v.clip(text))
        return first, second, await v.clip(text)

    try:
        first, second, third = asyncio.run(twice())
    finally:
        v.close()
    assert first == second == third
    assert v.synthesised == 1


def test_the_cache_forgets_the_least_recently_used_clip() -> None:
    v = voice.Voice(max_clips=2)
    texts = [announce.utterance("call", f"A-00{n}", "1", "ja").speech for n in (1, 2, 3)]

    async def run() -> None:
        await v.clip(texts[0])
        await v.clip(texts[1])
        await v.clip(texts[0])  # 0 used again: 1 is now the oldest
        await v.clip(texts[2])

    try:
        asyncio.run(run())
    finally:
        v.close()
    assert v.cached(texts[0]) is not None and v.cached(texts[2]) is not None
    assert v.cached(texts[1]) is None


def call_at(client: TestClient, counter: str) -> str:
    """Issue a moving ticket (prefix A) and call it at `counter`: its number."""
    clerk = sign_in(client)
    assert client.post(ISSUE, json={"service": "moving"}).status_code == 201
    assert client.post(f"{COUNTERS}/{counter}/open", headers=clerk).status_code == 200
    called = client.post(f"{COUNTERS}/{counter}/call-next", headers=clerk)
    assert called.status_code == 200, called.text
    number: str = called.json()["number"]
    return number


def test_a_clip_is_served_over_http_and_then_from_the_cache(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    client = make_client(sqlite_url)
    number = call_at(client, "3")
    path = voice.clip_path("call", number, "3", "ja")
    first = client.get(path)
    assert first.status_code == 200 and first.headers["content-type"] == "audio/wav"
    assert first.headers["x-voice-cache"] == "miss"
    assert 3.0 < seconds_and_level(first.content)[0] < 10.0
    second = client.get(path)
    assert second.headers["x-voice-cache"] == "hit" and second.content == first.content
    assert client.app.state.system.voice.synthesised == 1  # type: ignore[attr-defined]


def test_only_calls_made_today_are_voiced(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(database_url)
    number = call_at(client, "3")
    for path in [
        voice.clip_path("call", "A-023", "3", "ja"),  # a number nobody was given
        voice.clip_path("call", number, "2", "ja"),  # called, but at counter 3
    ]:
        answer = client.get(path)
        assert answer.status_code == 404, path
    assert client.app.state.system.voice.synthesised == 0  # type: ignore[attr-defined]
    assert client.get(voice.clip_path("recall", number, "3", "ja")).status_code == 200


class SlowVoice:
    """A stand-in engine: 0.1 s a clip, and the order the clips were made in."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def __call__(self, text: str) -> bytes:
        time.sleep(0.1)
        self.made.append(text)
        return text.encode()


def test_a_displays_clip_goes_ahead_of_the_others_waiting_and_the_others_are_limited() -> None:
    engine = SlowVoice()
    v = voice.Voice(max_waiting=3, synth=engine)

    async def run() -> list[bytes | BaseException]:
        others = [asyncio.ensure_future(v.clip("other 0", urgent=False))]
        await asyncio.sleep(0.02)  # "other 0" is being made...
        others += [asyncio.ensure_future(v.clip(f"other {n}", urgent=False)) for n in range(1, 5)]
        await asyncio.sleep(0.02)  # ...1-3 wait, and 4 was refused
        display = asyncio.ensure_future(v.clip("display", urgent=True))
        return list(await asyncio.gather(*others, display, return_exceptions=True))

    try:
        answers = asyncio.run(run())
    finally:
        v.close()
    assert engine.made == ["other 0", "display", "other 1", "other 2", "other 3"]
    assert isinstance(answers[4], voice.VoiceBusy) and answers[4].status == 503
    assert answers[5] == b"display"


def test_a_display_asking_for_a_waiting_clip_moves_it_ahead() -> None:
    engine = SlowVoice()
    v = voice.Voice(synth=engine)

    async def run() -> None:
        first = asyncio.ensure_future(v.clip("first", urgent=False))
        await asyncio.sleep(0.02)
        queued = [asyncio.ensure_future(v.clip(f"other {n}", urgent=False)) for n in range(2)]
        await asyncio.sleep(0.02)
        await asyncio.gather(v.clip("other 1", urgent=True), first, *queued)

    try:
        asyncio.run(run())
    finally:
        v.close()
    assert engine.made == ["first", "other 1", "other 0"]


@pytest.mark.parametrize(
    "path",
    [
        "/audio/en/call/A-023/3.wav",  # no server voice for English: the browser's, if any
        "/audio/ja/shout/A-023/3.wav",
        "/audio/ja/call/Z-023/3.wav",  # no service has prefix Z
        "/audio/ja/call/A-023/99.wav",  # no counter 99
        "/audio/ja/call/A-0x3/3.wav",
    ],
)
def test_a_clip_address_says_only_calls_this_office_can_make(
    make_client: Callable[..., TestClient], sqlite_url: str, path: str
) -> None:
    assert make_client(sqlite_url).get(path).status_code == 404


def test_the_chime_is_served(make_client: Callable[..., TestClient], sqlite_url: str) -> None:
    answer = make_client(sqlite_url).get("/audio/chime.wav")
    assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
    assert answer.content[:4] == b"RIFF"
