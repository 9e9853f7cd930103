// The replay reader of the web player: a port of crates/replay (reader.rs, segment.rs,
// codec.rs, cursor.rs) that checks what the Rust reader checks, says the same about a damaged
// file, and interpolates exactly as `Cursor::seek`, so the page shows what
// `pilotzone replay state` prints. Segments are raw deflate, inflated by the browser's own
// DecompressionStream('deflate-raw'); no library is needed.
const PzReplay = (() => {
  "use strict";

  const MAGIC = "PZREPLAY";
  const TRAILER_MAGIC = "PZRINDEX";
  const FORMAT_VERSION = 2;
  const OLDEST_VERSION = 1;
  const MAX_CHUNK_BYTES = 256 * 1024 * 1024;
  const MAX_RAW_BYTES = 512 * 1024 * 1024;
  const CHUNK = { header: 1, segment: 2, events: 3, end: 4, index: 5 };
  // Decoded segments kept, as the Rust cursor keeps them: the current one, both neighbours and
  // one more, so turning back at a boundary does not decode again.
  const KEPT_SEGMENTS = 4;

  /** A file that is not a replay, is newer, or is damaged; `kind` says which. */
  class ReplayError extends Error {
    constructor(kind, message) {
      super(message);
      this.kind = kind;
    }
  }
  const corrupt = (message) => new ReplayError("corrupt", message);

  const CRC_TABLE = (() => {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  function crc32(bytes) {
    let c = 0xffffffff;
    for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  const utf8 = new TextDecoder("utf-8", { fatal: true });

  /** Little-endian reads that fail cleanly at the end of their bytes (codec.rs's Dec). */
  class Dec {
    constructor(bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.at = 0;
    }
    remaining() {
      return this.bytes.length - this.at;
    }
    take(n) {
      if (n > this.remaining()) throw corrupt(`field of ${n} bytes runs past the end of its chunk`);
      const out = this.bytes.subarray(this.at, this.at + n);
      this.at += n;
      return out;
    }
    u8() {
      return this.take(1)[0];
    }
    u32() {
      this.take(4);
      return this.view.getUint32(this.at - 4, true);
    }
    i32() {
      this.take(4);
      return this.view.getInt32(this.at - 4, true);
    }
    /** A u64 as a Number; every time and offset of a replay fits in 53 bits. */
    u64() {
      this.take(8);
      const lo = this.view.getUint32(this.at - 8, true);
      const hi = this.view.getUint32(this.at - 4, true);
      if (hi >= 0x200000) throw corrupt("a 64-bit field is out of range");
      return hi * 0x100000000 + lo;
    }
    /** A u64 in full, for hashes and seeds shown as text. */
    big() {
      this.take(8);
      return this.view.getBigUint64(this.at - 8, true);
    }
    f64() {
      this.take(8);
      return this.view.getFloat64(this.at - 8, true);
    }
    str() {
      const bytes = this.take(this.u32());
      try {
        return utf8.decode(bytes);
      } catch {
        throw corrupt("a text field is not UTF-8");
      }
    }
    count(minItemBytes) {
      const n = this.u32();
      if (n * Math.max(minItemBytes, 1) > this.remaining()) {
        throw corrupt(`a count of ${n} items does not fit in the ${this.remaining()} bytes left`);
      }
      return n;
    }
  }

  async function inflateRaw(bytes, limit) {
    // Written straight into the stream: a Blob's stream piped through costs twenty times more
    // per block, which a replay's hundreds of small event chunks add up to most of a second.
    const stream = new DecompressionStream("deflate-raw");
    const writer = stream.writable.getWriter();
    // Bad data shows on the reading side; the writer's promises only need settling.
    writer.write(bytes).catch(() => {});
    writer.close().catch(() => {});
    const reader = stream.readable.getReader();
    const parts = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      // Never hold more than the block claims (plus one byte to tell it is longer).
      if (total > limit) {
        reader.cancel();
        break;
      }
      parts.push(value);
    }
    const out = new Uint8Array(Math.min(total, limit + 1));
    let at = 0;
    for (const p of parts) {
      const n = Math.min(p.length, out.length - at);
      out.set(p.subarray(0, n), at);
      at += n;
    }
    return out;
  }

  /** Inflates what segment.rs's `pack` wrote: the raw length, then raw deflate. */
  async function unpack(packed) {
    const d = new Dec(packed);
    const rawLen = d.u32();
    if (rawLen > MAX_RAW_BYTES) throw corrupt(`a block claims ${rawLen} bytes unpacked`);
    let raw;
    try {
      raw = await inflateRaw(d.take(d.remaining()), rawLen);
    } catch (e) {
      throw corrupt(`a block does not unpack: ${e.message}`);
    }
    if (raw.length !== rawLen) throw corrupt("a block unpacks to the wrong size");
    return raw;
  }

  /** The chunk at `at`: bounds and checksum checked; `next` is where the following one starts. */
  function nextChunk(bytes, at) {
    const rest = bytes.length - at;
    if (rest < 5) throw corrupt("chunk header cut short");
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, rest);
    const kind = view.getUint8(0);
    const len = view.getUint32(1, true);
    if (len > MAX_CHUNK_BYTES) throw corrupt(`chunk claims ${len} bytes, more than the ${MAX_CHUNK_BYTES} allowed`);
    const total = 5 + len + 4;
    if (rest < total) throw corrupt(`chunk of ${len} bytes cut short after ${Math.max(rest - 5, 0)} bytes`);
    if (crc32(bytes.subarray(at, at + total - 4)) !== view.getUint32(total - 4, true)) {
      throw corrupt("chunk checksum does not match");
    }
    return { kind, payload: bytes.subarray(at + 5, at + total - 4), next: at + total };
  }

  function unknownWord(what, key) {
    return `the replay names a ${what} "${key}" that this build does not know (written by a newer pilotzone?)`;
  }

  async function decodeHeader(payload, vocab) {
    const d = new Dec(payload);
    const engineVersion = d.str();
    const scenarioName = d.str();
    const scenarioText = await unpack(d.take(d.u32()));
    try {
      utf8.decode(scenarioText);
    } catch {
      throw corrupt("the scenario text is not UTF-8");
    }
    const scenarioHash = d.big();
    const seed = d.big();
    const tickMs = d.u32();
    const recordMs = d.u32();
    const segmentMs = d.u32();
    const startS = d.u32();
    if (tickMs === 0 || recordMs === 0 || segmentMs === 0) {
      throw corrupt("tick, record and segment intervals must be above zero");
    }
    const statusNames = [];
    for (let n = d.count(4); n > 0; n--) statusNames.push(d.str());
    const entities = [];
    for (let n = d.count(9); n > 0; n--) {
      const id = d.u32();
      const code = d.u8();
      const kind = vocab.entityKinds[code];
      if (kind === undefined) throw corrupt(`entity ${id} has an unknown kind ${code}`);
      entities.push({ id, kind, fleet: d.str() });
    }
    return {
      engineVersion,
      scenarioName,
      scenarioHash: scenarioHash.toString(16).padStart(16, "0"),
      seed: seed.toString(),
      tickMs,
      recordMs,
      segmentMs,
      startS,
      statusNames,
      entities,
    };
  }

  async function decodeEvents(payload, version, vocab) {
    const d = new Dec(await unpack(payload));
    const out = [];
    for (let n = d.count(8 + 4 + 4 + 12 + 4); n > 0; n--) {
      const tMs = d.u64();
      const kind = d.str();
      if (!vocab.eventKinds.has(kind)) throw corrupt(unknownWord("event kind", [...kind].slice(0, 40).join("")));
      const entity = d.u32();
      const at = [d.i32(), d.i32(), d.i32()];
      const detail = d.str();
      let incident = null;
      if (version >= 2 && d.u8() === 1) {
        const rule = d.str();
        const other = d.u32();
        incident = { rule, other: other === 0xffffffff ? null : other, value: d.f64(), limit: d.f64(), severity: d.u8() };
      }
      out.push({ tMs, kind, entity, atCm: at, detail, incident });
    }
    return out;
  }

  function varint(d) {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = d.u8();
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw corrupt("a varint runs past 64 bits");
  }

  function signed(d) {
    const v = varint(d);
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  const I32 = [-0x80000000, 0x7fffffff];

  /**
   * The samples of a segment body (segment.rs's `decode`): sample times, and every state as six
   * integers (x, y, z cm, heading, speed cm/s, status) in `states[(sample * entities + e) * 6 + c]`.
   */
  async function decodeSamples(body, entities) {
    const d0 = new Dec(body);
    const t0 = d0.u64();
    const raw = await unpack(d0.take(d0.remaining()));
    const d = new Dec(raw);
    const n = varint(d);
    if (n * Math.max(entities, 1) * 6 > raw.length + 6) {
      throw corrupt(`a segment claims ${n} samples, more than its bytes hold`);
    }
    const times = new Array(n);
    let t = t0;
    for (let i = 0; i < n; i++) {
      t += varint(d);
      if (t > Number.MAX_SAFE_INTEGER) throw corrupt("sample times overflow");
      times[i] = t;
    }
    const states = new Int32Array(n * entities * 6);
    for (let i = 0; i < n; i++) {
      const row = i * entities * 6;
      for (let c = 0; c < 6; c++) {
        for (let e = 0; e < entities; e++) {
          const v = signed(d);
          const at = row + e * 6 + c;
          let value;
          if (i === 0) {
            value = v;
          } else {
            const prev = states[at - entities * 6];
            // Positions: constant velocity; speeds: constant acceleration; the rest: unchanged.
            const predicted = i >= 2 && c !== 3 && c !== 5 ? 2 * prev - states[at - 2 * entities * 6] : prev;
            value = c === 3 ? ((((predicted + v) % 65536) + 65536) % 65536) : predicted + v;
          }
          if (c < 3 && (value < I32[0] || value > I32[1])) throw corrupt("a position is out of range");
          if (c === 3 && i === 0) value = ((value % 65536) + 65536) % 65536;
          if (c === 4 && (value < 0 || value > 0xffff)) throw corrupt("a speed is out of range");
          if (c === 5 && (value < 0 || value > 0xff)) throw corrupt("a status is out of range");
          states[at] = value;
        }
      }
    }
    return { times, states };
  }

  /** A segment chunk's samples: past its start time, first tick and tick hashes (which only
   * `pilotzone verify` reads). */
  async function decodeSegment(payload, entities) {
    const d = new Dec(payload);
    d.u64();
    d.u64();
    d.take(d.count(4) * 4);
    return decodeSamples(d.take(d.remaining()), entities);
  }

  /** An opened replay (reader.rs's `Replay::open`). */
  class Replay {
    constructor(bytes, header, version) {
      this.bytes = bytes;
      this.header = header;
      this.version = version;
      this.segments = [];
      this.events = [];
      this.endMs = null;
      this.damage = null;
      this.indexed = false;
    }

    async readIndexed(bodyStart, vocab) {
      const bytes = this.bytes;
      if (bytes.length < 16) return false;
      const trailer = new Dec(bytes.subarray(bytes.length - 16));
      if (text(trailer.take(8)) !== TRAILER_MAGIC) return false;
      let indexAt;
      let index;
      try {
        indexAt = trailer.u64();
        index = nextChunk(bytes, indexAt);
      } catch {
        return false;
      }
      if (index.kind !== CHUNK.index || index.next !== bytes.length - 16) return false;
      const expected = [];
      try {
        const d = new Dec(index.payload);
        for (let n = d.count(24); n > 0; n--) {
          const t0 = d.u64();
          const offset = d.u64();
          d.take(8);
          expected.push([t0, offset]);
        }
        // Walk the chunks once: checksums, and the index must match what is there; the events
        // chunks inflate meanwhile.
        let at = bodyStart;
        const found = [];
        const events = [];
        while (at < indexAt) {
          const chunk = nextChunk(bytes, at);
          if (chunk.kind === CHUNK.segment) found.push([new Dec(chunk.payload).u64(), at]);
          else if (chunk.kind === CHUNK.events) events.push(decodeEvents(chunk.payload, this.version, vocab));
          else if (chunk.kind === CHUNK.end) this.endMs = tryU64(chunk.payload);
          else return false;
          at = chunk.next;
        }
        this.events = (await Promise.all(events)).flat();
        const same = found.length === expected.length && found.every((f, i) => f[0] === expected[i][0] && f[1] === expected[i][1]);
        if (!same || this.endMs === null) return false;
        this.segments = found.map(([t0Ms, offset]) => ({ t0Ms, offset }));
      } catch {
        return false;
      }
      this.indexed = true;
      return true;
    }

    async scan(at, vocab) {
      const bytes = this.bytes;
      while (at < bytes.length) {
        const chunkAt = at;
        try {
          const chunk = nextChunk(bytes, at);
          at = chunk.next;
          if (chunk.kind === CHUNK.segment) {
            const t0Ms = new Dec(chunk.payload).u64();
            // Check the segment decodes now, so that damage shows at open, not later.
            await decodeSegment(chunk.payload, this.header.entities.length);
            this.segments.push({ t0Ms, offset: chunkAt });
          } else if (chunk.kind === CHUNK.events) {
            this.events.push(...(await decodeEvents(chunk.payload, this.version, vocab)));
          } else if (chunk.kind === CHUNK.end) {
            this.endMs = new Dec(chunk.payload).u64();
          } else if (chunk.kind === CHUNK.index) {
            break;
          } else {
            throw corrupt(`unknown chunk kind ${chunk.kind}`);
          }
        } catch (e) {
          if (!(e instanceof ReplayError)) throw e;
          this.damage = `damaged at byte ${chunkAt} of ${bytes.length}: ${e.message}; showing the first ${seconds(this.readableUntilMs())} s`;
          return;
        }
      }
      if (this.endMs === null) {
        this.damage = `the file ends without its end chunk (truncated?); showing the first ${seconds(this.readableUntilMs())} s`;
      }
    }

    readableUntilMs() {
      const last = this.segments[this.segments.length - 1];
      return last ? last.t0Ms + this.header.segmentMs : 0;
    }

    /** The samples of segment `i`. */
    async samplesOf(i) {
      const info = this.segments[i];
      if (!info) throw corrupt(`no segment ${i}`);
      return decodeSegment(nextChunk(this.bytes, info.offset).payload, this.header.entities.length);
    }

    /** End of the run in simulated ms, or of the readable part of a damaged file. */
    async durationMs() {
      if (this.endMs !== null) return this.endMs;
      if (this.segments.length === 0) return 0;
      try {
        const s = await this.samplesOf(this.segments.length - 1);
        return s.times.length ? s.times[s.times.length - 1] : 0;
      } catch {
        return 0;
      }
    }

    /** The status key of a sample's code, or null when the header does not name it. */
    status(code) {
      return this.header.statusNames[code] ?? null;
    }
  }

  function text(bytes) {
    return String.fromCharCode(...bytes);
  }

  function tryU64(payload) {
    try {
      return new Dec(payload).u64();
    } catch {
      return null;
    }
  }

  /** Seconds with one decimal, as Rust's `{:.1}` prints them. */
  function seconds(ms) {
    return (ms / 1000).toFixed(1);
  }

  /**
   * Opens a replay's bytes. `vocab` gives the words this build knows: `entityKinds` (keys by
   * code), `eventKinds` (a Set of keys) and `statuses` (a Set of keys). Throws a ReplayError
   * when nothing can be shown; damage after the header is in `replay.damage`.
   */
  async function open(bytes, vocab) {
    if (bytes.length < 10 || text(bytes.subarray(0, 8)) !== MAGIC) {
      throw new ReplayError("not_a_replay", "not a pilotzone replay (the file does not start with PZREPLAY)");
    }
    const version = bytes[8] | (bytes[9] << 8);
    if (version > FORMAT_VERSION) {
      throw new ReplayError(
        "newer",
        `replay format version ${version} is newer than this build reads (${FORMAT_VERSION}); upgrade pilotzone`,
      );
    }
    const badHeader = (message) => new ReplayError("bad_header", `the replay header is unreadable: ${message}`);
    if (version < OLDEST_VERSION) throw badHeader(`format version ${version} is not a released format`);
    let header;
    let at;
    try {
      const chunk = nextChunk(bytes, 10);
      if (chunk.kind !== CHUNK.header) throw corrupt(`first chunk has kind ${chunk.kind}, expected the header`);
      header = await decodeHeader(chunk.payload, vocab);
      at = chunk.next;
    } catch (e) {
      throw e instanceof ReplayError ? badHeader(e.message) : e;
    }
    // Every replay names its statuses; a name this build does not know is refused.
    const unknown = header.statusNames.find((n) => !vocab.statuses.has(n));
    if (unknown !== undefined) throw badHeader(unknownWord("status", unknown));
    const replay = new Replay(bytes, header, version);
    if (!(await replay.readIndexed(at, vocab))) {
      replay.segments = [];
      replay.events = [];
      replay.endMs = null;
      await replay.scan(at, vocab);
    }
    // Events from one tick may be written just before a segment boundary; keep time order.
    replay.events.sort((a, b) => a.tMs - b.tMs);
    replay.duration = await replay.durationMs();
    return replay;
  }

  /** Rust's `f64::round`: halves away from zero. */
  function round(x) {
    return x < 0 ? -Math.round(-x) : Math.round(x);
  }

  /**
   * Entity `e`'s state a fraction `k` of the way between two samples (`EntityState::lerp`):
   * positions, heading the shorter way round, speed; the status of the first.
   */
  function lerpInto(out, oi, a, ai, b, bi, k) {
    for (let c = 0; c < 3; c++) out[oi + c] = round(a[ai + c] + (b[bi + c] - a[ai + c]) * k);
    const turn = ((((b[bi + 3] - a[ai + 3]) % 65536) + 65536 + 32768) % 65536) - 32768;
    out[oi + 3] = ((round(a[ai + 3] + turn * k) % 65536) + 65536) % 65536;
    out[oi + 4] = Math.min(Math.max(round(a[ai + 4] + (b[bi + 4] - a[ai + 4]) * k), 0), 0xffff);
    out[oi + 5] = a[ai + 5];
  }

  /** Index of the first item for which `pred` is false, in a list where it is true first. */
  function partition(n, pred) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The playback cursor (cursor.rs): every entity's state at any time, keeping the decoded
   * segments around the current one. Decoding is asynchronous in a browser, so `seek` awaits
   * the segments it needs; `frameAt` answers at once from the segments kept, or null.
   */
  class Cursor {
    constructor(replay) {
      this.replay = replay;
      this.kept = new Map();
      this.pending = new Map();
      this.uses = 0;
      this.decodes = 0;
      const n = replay.header.entities.length;
      this.frame = { tMs: 0, states: new Int32Array(n * 6) };
    }

    segmentIndex(tMs) {
      const segments = this.replay.segments;
      if (segments.length === 0) throw corrupt("the replay holds no samples");
      return Math.max(partition(segments.length, (i) => segments[i].t0Ms <= tMs) - 1, 0);
    }

    /** Decodes segment `i` unless it is kept or on its way. */
    load(i) {
      if (this.kept.has(i)) return Promise.resolve(this.kept.get(i).samples);
      if (!this.pending.has(i)) {
        const job = this.replay.samplesOf(i).then((samples) => {
          this.pending.delete(i);
          if (samples.times.length === 0) throw corrupt(`segment ${i} holds no sample`);
          this.decodes += 1;
          if (this.kept.size >= KEPT_SEGMENTS) {
            let oldest = null;
            for (const [k, v] of this.kept) if (oldest === null || v.used < this.kept.get(oldest).used) oldest = k;
            this.kept.delete(oldest);
          }
          this.kept.set(i, { samples, used: ++this.uses });
          return samples;
        });
        job.catch(() => this.pending.delete(i));
        this.pending.set(i, job);
      }
      return this.pending.get(i);
    }

    /** Segment `i`'s samples if kept, marked as used now. */
    touch(i) {
      const k = this.kept.get(i);
      if (!k) return null;
      k.used = ++this.uses;
      return k.samples;
    }

    /** Segments a frame at `tMs` needs: its own and, at its end, the next one's first sample. */
    needed(tMs) {
      const seg = this.segmentIndex(tMs);
      const last = this.replay.segments.length - 1;
      return seg < last ? [seg, seg + 1] : [seg];
    }

    /** The frame at `tMs` from the segments kept, or null when one must be decoded first. */
    frameAt(tMs) {
      const seg = this.segmentIndex(tMs);
      const samples = this.touch(seg);
      if (!samples) return null;
      const n = this.replay.header.entities.length;
      const times = samples.times;
      const i = partition(times.length, (j) => times[j] <= tMs);
      const out = this.frame.states;
      let before = 0;
      let after = null;
      let afterStates = samples.states;
      let afterRow = 0;
      let afterT = 0;
      if (i > 0) {
        before = i - 1;
        if (i < times.length) {
          after = i;
          afterRow = i * n * 6;
          afterT = times[i];
        } else if (seg + 1 < this.replay.segments.length) {
          const next = this.touch(seg + 1);
          if (!next) return null;
          after = 0;
          afterStates = next.states;
          afterT = next.times[0];
        }
      }
      const row = before * n * 6;
      if (after === null) {
        out.set(samples.states.subarray(row, row + n * 6));
      } else {
        const k = (tMs - times[before]) / Math.max(afterT - times[before], 1);
        for (let e = 0; e < n; e++) lerpInto(out, e * 6, samples.states, row + e * 6, afterStates, afterRow + e * 6, k);
      }
      this.frame.tMs = tMs;
      return this.frame;
    }

    /** Moves to `tMs`, decoding what it needs, and gives the frame there. */
    async seek(tMs) {
      for (const i of this.needed(tMs)) await this.load(i);
      return this.frameAt(tMs);
    }
  }

  /** Every entity of a frame as `pilotzone replay state --json` prints it. */
  function entityStates(replay, frame) {
    return replay.header.entities.map((info, e) => {
      const s = frame.states.subarray(e * 6, e * 6 + 6);
      return {
        id: info.id,
        kind: info.kind,
        fleet: info.fleet,
        status: replay.status(s[5]) ?? "?",
        x_m: s[0] / 100,
        y_m: s[1] / 100,
        z_m: s[2] / 100,
        heading_deg: (s[3] / 65536) * 360,
        speed_mps: s[4] / 100,
      };
    });
  }

  return { open, Cursor, ReplayError, entityStates, partition };
})();

if (typeof module !== "undefined") module.exports = PzReplay;
