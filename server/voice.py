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
import contextlib
import dataclasses
import importlib.util
import io
import itertools
import logging
import queue
import threading
import wave
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from display import announce
from display.chime import chime_wav
from server import accounts
from server.api.auth import bearer
from server.api.errors import ApiError
from server.api.state import several_offices, system_of
from server.domain.calendar import business_day
from server.store import event_log

if TYPE_CHECKING:  # the System holds the Voice
    from server.bootstrap import System

log = logging.getLogger(__name__)
MAX_CLIPS = 256  # about 270 KB each: a day's distinct calls at a busy office fit
SPEECH_SPEED = 0.95  # a touch slower than conversation: a hall echoes
PEAK_LEVEL = 0.85  # of full scale
CLIP_MAX_AGE_S = 3600
MAX_WAITING = 4  # clips asked for by anyone but a display, waiting at once


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


class VoiceBusy(ApiError):
    def __init__(self) -> None:
        super().__init__(
            503,
            "voice_busy",
            "音声の準備が混み合っています。しばらくしてからもう一度お試しください。",
            retry_after=2,
        )


@dataclasses.dataclass(eq=False)
class _Job:
    text: str
    future: asyncio.Future[bytes]
    loop: asyncio.AbstractEventLoop
    urgent: bool
    taken: bool = False


class Voice:
    """Clips made one at a time in a worker thread of its own, displays' first: a request
    carrying a display's token (its announcer fetching the clip of a call it is about to
    play) goes ahead of every other waiting one, and at most `max_waiting` others wait at
    once (more: 503 `voice_busy`). Anyone's requests for clips of real calls (call_clip
    checks) then never make a display's next call wait longer than the clip in hand."""

    def __init__(
        self,
        max_clips: int = MAX_CLIPS,
        max_waiting: int = MAX_WAITING,
        synth: Callable[[str], bytes] = synthesise,
    ) -> None:
        self.max_clips, self.max_waiting, self._synth = max_clips, max_waiting, synth
        self._clips: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._pending: dict[str, _Job] = {}
        # (0 for a display's, 1 for anyone else's; arrival order) -> the job
        self._queue: queue.PriorityQueue[tuple[int, int, _Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
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

    async def clip(self, text: str, urgent: bool = True) -> bytes:
        """The clip of a sentence: from the cache, or made once in the worker thread.
        `urgent`: a display's request (ahead of the others, never refused)."""
        clip = self.cached(text)
        if clip is not None:
            return clip
        job = self._pending.get(text)
        if job is None:
            if not urgent and self._waiting() >= self.max_waiting:
                raise VoiceBusy()
            loop = asyncio.get_running_loop()
            job = _Job(text, loop.create_future(), loop, urgent)
            self._pending[text] = job
            self._put(job)
        elif urgent and not job.urgent:
            job.urgent = True
            self._put(job)  # once more, ahead; the worker makes it once
        try:
            clip = await asyncio.shield(job.future)
        finally:
            if self._pending.get(text) is job and job.future.done():
                del self._pending[text]
        if text not in self._clips:
            self._clips[text] = clip
            while len(self._clips) > self.max_clips:
                self._clips.popitem(last=False)
        return clip

    def _waiting(self) -> int:
        with self._lock:
            return sum(1 for job in self._pending.values() if not job.taken and not job.urgent)

    def _put(self, job: _Job) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="voice", daemon=True)
            self._thread.start()
        self._queue.put((0 if job.urgent else 1, next(self._order), job))

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            with self._lock:
                if job.taken:
                    continue
                job.taken = True
            try:
                clip = self._synth(job.text)
            except Exception as exc:
                job.loop.call_soon_threadsafe(_settle, job.future, None, exc)
            else:
                self.synthesised += 1
                job.loop.call_soon_threadsafe(_settle, job.future, clip, None)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put((-1, -1, None))
            self._thread = None


def _settle(future: asyncio.Future[bytes], clip: bytes | None, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        assert clip is not None
        future.set_result(clip)


def _not_found(message: str) -> Response:
    return Response(message, status_code=404, media_type="text/plain; charset=utf-8")


async def call_clip(request: Request) -> Response:
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
    # Only calls an office of the installation can make: a known prefix and a known desk.
    offices = [
        s
        for s in several_offices(request)
        if counter in s.office.counters and prefix in {v.prefix for v in s.office.services.values()}
    ]
    if not offices:
        return _not_found("no such counter or ticket prefix here")
    hit = voice.cached(said.speech) is not None
    if not hit:
        # Only what was called: the day's ticket of that number, called at that counter.
        called = [asyncio.to_thread(_was_called, s, prefix, number, counter) for s in offices]
        if not any(await asyncio.gather(*called)):
            return _not_found("no such call today")
    try:
        clip = await voice.clip(said.speech, urgent=await _from_a_display(request))
    except VoiceBusy:
        raise
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


def _was_called(system: System, prefix: str, number: str, counter: str) -> bool:
    _, seq = announce.parse_number(number)
    day = business_day(system.office, system.clock())
    with system.engines.reader.connect() as conn:
        return event_log.was_called(conn, system.office.id, prefix, seq, day, counter)


async def _from_a_display(request: Request) -> bool:
    token = bearer(request)
    if token is None:
        return False
    system = system_of(request)
    device = await asyncio.to_thread(accounts.device_of_token, system.engines, token)
    return device is not None and any(device in s.office.displays for s in several_offices(request))


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
