// The announcement queue: every call event played once, in order, never overlapping.
//
// Events are deduplicated by their `seq` (the office's version, gap-free and increasing),
// and the last seq taken plus the queue itself are kept in sessionStorage, so a reload
// neither repeats a call nor loses one that was waiting its turn. A call older than
// MAX_AGE_MS when it arrives (a display that was offline for an hour) is shown, not read.

const MAX_AGE_MS = 3 * 60 * 1000;
const SHOWN_ONLY_MS = 1500; // a sentence without a voice stays in the caption this long
const CLIP_TIMEOUT_MS = 30000;

export class Announcer {
  // `clipHeaders()`: headers for fetching a clip ahead (the display's token: the server makes
  // displays' clips first).
  constructor({ storageKey, chime, volume, player, onStart, onSay, onDone, onSoundBlocked, clipHeaders }) {
    Object.assign(this, { storageKey, chime, volume, player, onStart, onSay, onDone, onSoundBlocked, clipHeaders });
    const saved = JSON.parse(sessionStorage.getItem(storageKey) || "{}");
    this.lastSeq = saved.lastSeq ?? null; // the newest call event taken (queued or played)
    this.version = saved.version ?? null; // the newest view seen: `since` on reconnect
    this.queue = saved.queue ?? [];
    this.log = []; // what was played, for people and for tests
    this.clockOffsetMs = 0; // this screen's clock minus the server's, seen on live pushes
    this.busy = false;
  }

  save() {
    const { lastSeq, version, queue } = this;
    sessionStorage.setItem(this.storageKey, JSON.stringify({ lastSeq, version, queue }));
  }

  // A message's events. `replay`: the first message after a reconnect, whose events may
  // be old; later messages are live pushes and tell how far this clock is from the server's.
  offer(events, version, { replay }) {
    if (this.lastSeq === null) this.lastSeq = events.length ? events[0].seq - 1 : version;
    const calls = events.filter((e) => Array.isArray(e.announce));
    if (!replay && calls.length) {
      this.clockOffsetMs = Date.now() - Date.parse(calls[calls.length - 1].at);
    }
    for (const e of calls) {
      if (e.seq <= this.lastSeq) {
        this.log.push({ seq: e.seq, number: e.number, skipped: "duplicate" });
        continue;
      }
      this.lastSeq = e.seq;
      const age = Date.now() - this.clockOffsetMs - Date.parse(e.at);
      if (age > MAX_AGE_MS) {
        this.log.push({ seq: e.seq, number: e.number, skipped: "stale" });
        continue;
      }
      const { seq, type, number, counter, at, announce } = e;
      this.queue.push({ seq, type, number, counter, at, announce });
    }
    this.version = Math.max(this.version ?? version, version);
    this.lastSeq = Math.max(this.lastSeq, version); // every event up to `version` is seen
    this.save();
    this.pump();
  }

  // A resync: the server could not replay; whatever waited is stale, and seqs may restart.
  reset(version) {
    this.queue.length = 0;
    this.lastSeq = version;
    this.version = version;
    this.save();
  }

  async pump() {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const item = this.queue.shift();
        this.save(); // taken: a reload from here on does not say it again
        await this.play(item);
      }
    } finally {
      this.busy = false;
    }
  }

  async play(item) {
    const entry = { seq: item.seq, type: item.type, number: item.number, counter: item.counter,
      started: Date.now(), parts: [] };
    this.log.push(entry);
    this.onStart?.(item);
    const headers = this.clipHeaders?.() ?? {};
    for (const said of item.announce) if (said.audio) fetch(said.audio, { headers }).catch(() => {}); // warm
    entry.chime = await this.clip(this.chime);
    for (const said of item.announce) {
      this.onSay?.(said);
      let how = "shown";
      if (said.audio && (await this.clip(said.audio))) how = "audio";
      else if (await speak(said, this.volume)) how = "speech";
      else await sleep(SHOWN_ONLY_MS);
      entry.parts.push({ lang: said.lang, how });
    }
    entry.done = Date.now();
    this.onDone?.(item);
  }

  // Plays one file on the page's <audio>; false when it cannot (blocked, missing, broken).
  clip(src) {
    const player = this.player;
    return new Promise((resolve) => {
      let timer;
      const finish = (ok) => {
        clearTimeout(timer);
        player.removeEventListener("ended", onEnded);
        player.removeEventListener("error", onError);
        resolve(ok);
      };
      const onEnded = () => finish(true);
      const onError = () => finish(false);
      player.addEventListener("ended", onEnded);
      player.addEventListener("error", onError);
      timer = setTimeout(() => finish(false), CLIP_TIMEOUT_MS);
      player.volume = this.volume;
      player.src = src;
      player.play().then(
        () => this.onSoundBlocked?.(false),
        (err) => {
          if (err && err.name === "NotAllowedError") this.onSoundBlocked?.(true);
          finish(false);
        },
      );
    });
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The browser's own voice, for a language the server cannot speak, when it has one.
function speak(said, volume) {
  const synth = window.speechSynthesis;
  if (!synth) return Promise.resolve(false);
  const base = said.lang.split("-")[0];
  const voice = synth.getVoices().find((v) => v.lang.toLowerCase().startsWith(base));
  if (!voice) return Promise.resolve(false);
  return new Promise((resolve) => {
    const u = new SpeechSynthesisUtterance(said.text);
    Object.assign(u, { voice, lang: voice.lang, volume, rate: 0.9 });
    u.onend = () => resolve(true);
    u.onerror = () => resolve(false);
    synth.speak(u);
    setTimeout(() => resolve(false), CLIP_TIMEOUT_MS);
  });
}
