"""The chime played before each announcement: two soft bell tones, high then low (ピンポーン).

Generated with the standard library so that no binary file has to be kept in step with the
code. Every partial stays under 2,500 Hz: high chimes carry badly in a hard-walled hall and
are unpleasant to the elderly visitors who hear them all day.
"""

from __future__ import annotations

import io
import math
import wave

SAMPLE_RATE_HZ = 22050
TONES_HZ = (784.0, 622.3)  # G5 then D#5: a falling major third
TONE_GAP_S = 0.45
TONE_LENGTH_S = 1.3
PARTIALS = ((1.0, 1.0), (2.0, 0.18), (3.0, 0.05))  # (multiple, amplitude): 2,352 Hz at most
PEAK = 0.45  # of full scale: the display's volume setting scales it further


def _bell(t: float, freq: float) -> float:
    attack = min(1.0, t / 0.012)  # a 12 ms attack: no click
    decay = math.exp(-t * 3.2)
    return attack * decay * sum(a * math.sin(2 * math.pi * freq * m * t) for m, a in PARTIALS)


def samples() -> list[float]:
    total = int((TONE_GAP_S + TONE_LENGTH_S) * SAMPLE_RATE_HZ)
    norm = sum(a for _, a in PARTIALS)
    out = []
    for i in range(total):
        t = i / SAMPLE_RATE_HZ
        value = 0.0
        for k, freq in enumerate(TONES_HZ):
            start = k * TONE_GAP_S
            if t >= start:
                value += _bell(t - start, freq)
        fade = min(1.0, (total - i) / (0.05 * SAMPLE_RATE_HZ))  # no click at the end
        out.append(PEAK * fade * value / norm)
    return out


def chime_wav() -> bytes:
    """The chime as a 16-bit mono WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        frames = bytearray()
        for value in samples():
            frames += int(max(-1.0, min(1.0, value)) * 32767).to_bytes(2, "little", signed=True)
        w.writeframes(bytes(frames))
    return buffer.getvalue()
