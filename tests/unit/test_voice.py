"""The server's voice: a Japanese call is a real WAV of plausible length, made once and then
served from the cache; its address only ever says a call of this office."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import Callable

import numpy as np
import pytest
from starlette.testclient import TestClient

from display import announce
from server import voice

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


def test_a_clip_is_served_over_http_and_then_from_the_cache(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    client = make_client(sqlite_url)
    path = voice.clip_path("call", "A-023", "3", "ja")
    first = client.get(path)
    assert first.status_code == 200 and first.headers["content-type"] == "audio/wav"
    assert first.headers["x-voice-cache"] == "miss"
    assert 3.0 < seconds_and_level(first.content)[0] < 10.0
    second = client.get(path)
    assert second.headers["x-voice-cache"] == "hit" and second.content == first.content
    assert client.app.state.system.voice.synthesised == 1  # type: ignore[attr-defined]


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
