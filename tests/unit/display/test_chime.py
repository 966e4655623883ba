"""The chime: a real WAV, gentle (every partial under 2,500 Hz), short, not clipped."""

from __future__ import annotations

import io
import wave

import numpy as np

from display.chime import chime_wav


def test_the_chime_is_a_short_mono_wav() -> None:
    with wave.open(io.BytesIO(chime_wav())) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        seconds = w.getnframes() / w.getframerate()
    assert 1.0 <= seconds <= 2.5


def test_the_chime_has_no_energy_above_2500_hz_and_never_clips() -> None:
    with wave.open(io.BytesIO(chime_wav())) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float)
    assert 0.2 * 32767 < np.abs(pcm).max() < 0.95 * 32767
    power = np.abs(np.fft.rfft(pcm)) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    assert power[freqs > 2500].sum() / power.sum() < 1e-4
    assert 500 < freqs[power.argmax()] < 1000  # the fundamental carries the tone
