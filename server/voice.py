"""The floor displays' voice: Japanese calls synthesised with pyopenjtalk-plus, and the chime.

A call is a fixed template (number × counter × language), so a clip's address names the
template's fields, `/audio/ja/call/A-023/3.wav`, and the server composes the sentence from
them (display/announce.py). The address holds no personal data, needs no token, survives a
restart, and can only ever make the server say a call of this office. Synthesis runs in one
worker thread (the engine is not thread-safe, and one clip takes about 0.4 s here); clips
are cached per sentence, and fifty displays asking for the same clip at once share one
synthesis.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import importlib.util
import io
import logging
import wave

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from display import announce
from display.chime import chime_wav
from server.api.state import system_of

log = logging.getLogger(__name__)
MAX_CLIPS = 256  # about 270 KB each: a day's distinct calls at a busy office fit
SPEECH_SPEED = 0.95  # a touch slower than conversation: a hall echoes
PEAK_LEVEL = 0.85  # of full scale
CLIP_MAX_AGE_S = 3600


def voiced_languages() -> frozenset[str]:
    """The languages the server can speak: Japanese when pyopenjtalk-plus is installed."""
    if importlib.util.find_spec("pyopenjtalk") is None:
        return frozenset()
    return frozenset(announce.JAPANESE)


def clip_path(kind: str, number: str, counter: str, lang: str) -> str:
    return f"/audio/{lang}/{kind}/{number}/{counter}.wav"


def synthesise(text: str) -> bytes:
    """One sentence -> a 16-bit mono WAV at 24 kHz (the engine speaks at 48 kHz; speech
    needs no more than 24, and the clip is half the size for fifty displays)."""
    import numpy as np

    with contextlib.redirect_stdout(io.StringIO()):  # it prints a notice about ONNX on import
        import pyopenjtalk

    # The calls' words are plain (番, 方, 窓口): OpenJTalk's own dictionary reads them right,
    # and Sudachi's reading model costs a second of start-up and warns on every call.
    samples, rate = pyopenjtalk.tts(text, speed=SPEECH_SPEED, use_sudachi_kanji_yomi=False)
    if rate % 2 == 0 and len(samples) >= 2:
        samples = samples[: len(samples) // 2 * 2].reshape(-1, 2).mean(axis=1)
        rate //= 2
    peak = float(np.abs(samples).max()) or 1.0
    pcm = np.clip(samples * (PEAK_LEVEL * 32767 / peak), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()


class Voice:
    def __init__(self, max_clips: int = MAX_CLIPS) -> None:
        self.max_clips = max_clips
        self._clips: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="voice")
        self.synthesised = 0  # clips made (not served from the cache)
        self._chime: bytes | None = None

    def chime(self) -> bytes:
        if self._chime is None:
            self._chime = chime_wav()
        return self._chime

    def cached(self, text: str) -> bytes | None:
        clip = self._clips.get(text)
        if clip is not None:
            self._clips.move_to_end(text)
        return clip

    async def clip(self, text: str) -> bytes:
        """The clip of a sentence: from the cache, or made once in the worker thread."""
        clip = self.cached(text)
        if clip is not None:
            return clip
        pending = self._pending.get(text)
        if pending is not None:
            return await asyncio.shield(pending)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._worker, synthesise, text)
        self._pending[text] = future
        try:
            clip = await asyncio.shield(future)
        finally:
            self._pending.pop(text, None)
        self.synthesised += 1
        self._clips[text] = clip
        while len(self._clips) > self.max_clips:
            self._clips.popitem(last=False)
        return clip

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


def _not_found(message: str) -> Response:
    return Response(message, status_code=404, media_type="text/plain; charset=utf-8")


async def call_clip(request: Request) -> Response:
    office = system_of(request).office
    voice: Voice = system_of(request).voice
    p = request.path_params
    lang, kind, number, counter = p["lang"], p["kind"], p["number"], p["counter"]
    if lang not in voiced_languages():
        return _not_found(f"no voice for {lang!r}")
    try:
        prefix, _ = announce.parse_number(number)
        said = announce.utterance(kind, number, counter, lang)
    except ValueError as e:
        return _not_found(str(e))
    # Only calls this office can make: a known prefix and a known desk.
    if counter not in office.counters or prefix not in {s.prefix for s in office.services.values()}:
        return _not_found("no such counter or ticket prefix here")
    hit = voice.cached(said.speech) is not None
    try:
        clip = await voice.clip(said.speech)
    except Exception:
        log.exception("voice synthesis failed for %r", said.speech)
        return Response("voice synthesis failed", status_code=503)
    return Response(
        clip,
        media_type="audio/wav",
        headers={
            "Cache-Control": f"public, max-age={CLIP_MAX_AGE_S}",
            "X-Voice-Cache": "hit" if hit else "miss",
        },
    )


async def chime(request: Request) -> Response:
    voice: Voice = system_of(request).voice
    return Response(
        voice.chime(), media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"}
    )


def routes() -> list[Route]:
    return [
        Route("/audio/chime.wav", chime),
        Route("/audio/{lang}/{kind}/{number}/{counter}.wav", call_clip),
    ]
