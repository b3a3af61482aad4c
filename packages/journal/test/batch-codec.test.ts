import { EVENT_KINDS, emptyEvent, type HeatEvent } from '@monkeytracker/grid';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  BatchDecodeError,
  type BatchEnvelope,
  decodeEnvelope,
  decodeEvents,
  encodeBatch,
} from '../src/batch-codec';
import {
  EventStage,
  FRAME_MAX_EVENTS,
  KIND_BY_CODE,
  KIND_CODE,
  MAX_EVENT_TIME,
  STAGED_EVENT_BYTES,
} from '../src/event-stage';
import { encodeFormat2 } from './format-2-encoder';
import { elementEventsFrom, eventsFrom } from './helpers';

const packr = new Packr({ useRecords: false });
const ALL = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] as const;

const baseArb = fc.record({
  kind: fc.constantFrom(...EVENT_KINDS),
  url: fc.string({ minLength: 1, maxLength: 40 }),
  x: fc.nat({ max: 4_294_967_295 }),
  y: fc.nat({ max: 4_294_967_295 }),
  vw: fc.nat({ max: 20_000 }),
  vh: fc.nat({ max: 20_000 }),
  t: fc.nat({ max: MAX_EVENT_TIME }),
  site: fc.constantFrom('default', 'a.example', 'b.example'),
});

const elementArb = fc.record({
  // A few repeated selectors (the dictionary) and arbitrary ones up to the grid's 256 chars.
  sel: fc.oneof(
    fc.constantFrom('#buy', 'main>section:nth-of-type(2)>a', '[data-mt="hero"]'),
    fc.string({ minLength: 1, maxLength: 256 }),
  ),
  ox: fc.nat({ max: 1000 }),
  oy: fc.nat({ max: 1000 }),
  ew: fc.nat({ max: 4_294_967_295 }),
  eh: fc.nat({ max: 4_294_967_295 }),
});

/** Valid events as `validateEvent` makes them: an element only on clicks, rage and dead clicks. */
const eventArb: fc.Arbitrary<HeatEvent> = fc
  .tuple(baseArb, fc.option(elementArb, { freq: 2 }))
  .map(([b, el]) => {
    const e = emptyEvent();
    Object.assign(e, b);
    if (el !== null && (b.kind === 'click' || b.kind === 'rage' || b.kind === 'dead')) Object.assign(e, el);
    return e;
  });

function stageOf(events: readonly HeatEvent[], capacity = 4): EventStage {
  const stage = new EventStage(capacity);
  expect(stage.add(events, 0, events.length)).toBe(events.length);
  return stage;
}

function roundTrip(events: HeatEvent[]): HeatEvent[] {
  return decodeEvents(decodeEnvelope(encodeBatch(stageOf(events))), ...ALL);
}

/** The envelope of `events`, from a copy of the payload (msgpackr reuses its output buffer). */
function envelopeOf(events: readonly HeatEvent[]): BatchEnvelope {
  return decodeEnvelope(Uint8Array.from(encodeBatch(stageOf(events))));
}

/** Decodes a re-packed copy of `env` with some fields changed. */
function decodeEdited(env: BatchEnvelope, edit: Partial<BatchEnvelope>): HeatEvent[] {
  return decodeEvents(decodeEnvelope(Uint8Array.from(packr.pack({ ...env, ...edit }))), ...ALL);
}

function withElement(kind: HeatEvent['kind'], sel: string, t: number, el = [500, 250, 120, 40]): HeatEvent {
  const [ox, oy, ew, eh] = el as [number, number, number, number];
  return {
    ...emptyEvent(),
    kind,
    url: '/',
    x: 10,
    y: 20,
    vw: 1280,
    vh: 800,
    t,
    site: 's',
    sel,
    ox,
    oy,
    ew,
    eh,
  };
}

function plain(kind: HeatEvent['kind'], t: number): HeatEvent {
  return { ...emptyEvent(), kind, url: '/', x: 10, y: 20, vw: 1280, vh: 800, t, site: 's' };
}

function count(haystack: Uint8Array, needle: string): number {
  const b = Buffer.from(haystack);
  let n = 0;
  for (let at = b.indexOf(needle); at !== -1; at = b.indexOf(needle, at + 1)) n++;
  return n;
}

describe('batch codec', () => {
  it('round-trips any batch of valid events exactly (format 3: elements, all five kinds)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 200 }), (events) => {
        expect(roundTrip(events)).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('has a stable code for every kind of @monkeytracker/grid', () => {
    for (const kind of EVENT_KINDS) expect(KIND_BY_CODE[KIND_CODE[kind] as number]).toBe(kind);
    expect(KIND_CODE).toEqual({ click: 0, scroll: 1, move: 2, rage: 3, dead: 4 });
  });

  it('records the time range of the batch in the envelope', () => {
    const stage = new EventStage();
    const events: HeatEvent[] = [5, 1, 9].map((t) => plain('click', t));
    stage.add(events, 0, 3);
    const env = decodeEnvelope(encodeBatch(stage));
    expect(env).toMatchObject({
      v: 3,
      n: 3,
      o: 0,
      c: false,
      lo: 1,
      hi: 9,
      urls: ['/'],
      sites: ['s'],
      sels: [],
    });
    expect(decodeEvents(env, 2, 9).map((e) => e.t)).toEqual([5]);
  });

  it('stops at the frame cap so frames stay bounded', () => {
    const stage = new EventStage();
    const many = new Array<HeatEvent>(FRAME_MAX_EVENTS + 10).fill(withElement('click', '#a', 1));
    expect(stage.add(many, 0, many.length)).toBe(FRAME_MAX_EVENTS);
    expect(stage.full).toBe(true);
  });

  it('rejects payloads whose columns do not match the envelope', () => {
    const stage = new EventStage();
    stage.add([{ ...plain('click', 1), x: 300 }], 0, 1);
    const env = decodeEnvelope(encodeBatch(stage));
    const broken = { ...env, cols: env.cols.subarray(0, env.cols.length - 1) };
    expect(() => decodeEvents(broken, 0, Number.POSITIVE_INFINITY)).toThrow(/column lengths/);
    expect(() => decodeEnvelope(Uint8Array.of(0xc1))).toThrow();
    expect(() => decodeEnvelope(Uint8Array.of(0x01))).toThrow(/envelope/);
  });
});

describe('batch format 3: elements', () => {
  it('round-trips events with and without elements, all five kinds, mixed in one frame', () => {
    const events = [
      withElement('click', '#buy', 1, [0, 0, 0, 0]),
      plain('scroll', 2),
      withElement('rage', 'main>a:nth-of-type(3)', 3, [1000, 1000, 4_294_967_295, 4_294_967_295]),
      plain('click', 4),
      plain('move', 5),
      withElement('dead', '#buy', 6, [127, 128, 16_383, 16_384]),
      plain('rage', 7),
      plain('dead', 8),
    ];
    const decoded = roundTrip(events);
    expect(decoded).toEqual(events);
    // Same property order as emptyEvent(): one hidden class for every decoded event.
    for (const e of decoded) expect(Object.keys(e)).toEqual(Object.keys(emptyEvent()));
    expect(roundTrip(elementEventsFrom(0, 2000))).toEqual(elementEventsFrom(0, 2000));
  });

  it('stores a repeated selector once, in first-seen order, and ids point into it', () => {
    const events = [
      withElement('click', '#repeated', 1),
      withElement('click', '#second', 2),
      withElement('rage', '#repeated', 3),
      plain('click', 4),
      withElement('dead', '#third', 5),
      withElement('click', '#repeated', 6),
    ];
    const payload = encodeBatch(stageOf(events));
    const env = decodeEnvelope(payload);
    expect(env.sels).toEqual(['#repeated', '#second', '#third']);
    expect(count(payload, '#repeated')).toBe(1);
    const offs = env.offs;
    // Selector ids (0: no element, else index + 1); then ox, oy, ew, eh per event with an element.
    expect([...env.cols.subarray(offs[7], offs[8])]).toEqual([1, 2, 1, 0, 3, 1]);
    // 500, 250 (two bytes each), 120, 40 (one byte each), five times.
    const element = [0xf4, 0x03, 0xfa, 0x01, 120, 40];
    expect([...env.cols.subarray(offs[8])]).toEqual([
      ...element,
      ...element,
      ...element,
      ...element,
      ...element,
    ]);
    expect(decodeEvents(env, ...ALL)).toEqual(events);
  });

  it('round-trips many distinct selectors (ids past one varint byte)', () => {
    const events: HeatEvent[] = [];
    for (let i = 0; i < 3000; i++) {
      events.push(
        i % 3 === 0 ? plain('move', i) : withElement('click', `#s${i % 1700}`, i, [i % 1001, 7, i, 3]),
      );
    }
    const env = envelopeOf(events);
    const distinct = [...new Set(events.filter((e) => e.sel !== '').map((e) => e.sel))];
    expect(distinct.length).toBeGreaterThan(1000);
    expect(env.sels).toEqual(distinct);
    expect(decodeEvents(env, ...ALL)).toEqual(events);
  });

  it('a frame without elements has an empty element section: its columns are format 2’s', () => {
    const events = eventsFrom(0, 500);
    const env = envelopeOf(events);
    const v2 = decodeEnvelope(Uint8Array.from(encodeFormat2(events, 0)));
    expect(env.sels).toEqual([]);
    expect(env.offs).toEqual([...v2.offs, v2.cols.length, v2.cols.length]);
    expect(Buffer.from(env.cols).equals(Buffer.from(v2.cols))).toBe(true);
    expect(decodeEvents(env, ...ALL)).toEqual(events);
  });

  it('decodes format 2 frames with the five element fields empty, as one hidden class', () => {
    const events = eventsFrom(0, 300);
    const env = decodeEnvelope(encodeFormat2(events, 42, true));
    expect(env).toMatchObject({ v: 2, n: 300, o: 42, c: true });
    const decoded = decodeEvents(env, ...ALL, 10);
    expect(decoded).toEqual(events.slice(10));
    expect(decoded[0]).toMatchObject({ sel: '', ox: 0, oy: 0, ew: 0, eh: 0 });
    expect(Object.keys(decoded[0] as HeatEvent)).toEqual(Object.keys(emptyEvent()));
  });

  it('the stage takes rage and dead clicks and checks the element fields', () => {
    const bad: unknown[] = [
      { ...plain('click', 1), sel: undefined },
      { ...plain('click', 1), sel: 7 },
      { ...plain('click', 1), ox: 1 },
      { ...plain('click', 1), eh: undefined },
      { ...withElement('click', '#a', 1), ox: 1001 },
      { ...withElement('click', '#a', 1), oy: 1001 },
      { ...withElement('click', '#a', 1), ox: 1.5 },
      { ...withElement('click', '#a', 1), ew: -1 },
      { ...withElement('click', '#a', 1), eh: 2 ** 32 },
      { ...withElement('click', '#a', 1), ew: undefined },
      { ...plain('click', 1), kind: 'hover' },
      { ...plain('click', 1), kind: 'toString' },
    ];
    const good = [
      plain('rage', 1),
      plain('dead', 2),
      withElement('dead', '#a', 3),
      withElement('scroll', '#b', 4),
    ];
    const stage = new EventStage();
    const all = [...bad, ...good] as HeatEvent[];
    expect(stage.add(all, 0, all.length)).toBe(all.length);
    expect(stage.invalid).toBe(bad.length);
    expect(stage.n).toBe(good.length);
    expect(decodeEvents(decodeEnvelope(encodeBatch(stage)), ...ALL)).toEqual(good);
  });

  it('counts selector characters in the size estimate', () => {
    const sel = `#${'x'.repeat(255)}`;
    const stage = new EventStage();
    stage.add([withElement('click', sel, 1), withElement('click', sel, 2), plain('click', 3)], 0, 3);
    // '/' + 's' + the selector once, 2 bytes per UTF-16 unit.
    expect(stage.estimatedBytes).toBe(3 * STAGED_EVENT_BYTES + (1 + 1 + 256) * 2);
    stage.reset();
    expect(stage.estimatedBytes).toBe(0);
    expect(stage.sels).toEqual([]);
  });

  it('rejects corrupted format 3 envelopes', () => {
    const events = [
      withElement('click', '#a', 1),
      plain('scroll', 2),
      withElement('rage', '#b', 3, [1000, 1, 2, 3]),
    ];
    const env = envelopeOf(events);
    const offs = env.offs;
    // Envelope shape: offs of format 2's length, missing or malformed sels.
    expect(() => decodeEdited(env, { offs: offs.slice(0, 7) })).toThrow(/envelope fields/);
    expect(() => decodeEdited(env, { offs: [...offs, 0] })).toThrow(/envelope fields/);
    expect(() => decodeEdited(env, { sels: undefined })).toThrow(/selector dictionary/);
    expect(() => decodeEdited(env, { sels: ['#a', ''] })).toThrow(/selector 1/);
    expect(() => decodeEdited(env, { sels: ['#a', 5 as unknown as string] })).toThrow(/selector 1/);
    expect(() => decodeEdited(env, { v: 4 })).toThrow(/unknown batch format version 4/);
    // Bad offsets: every shifted start makes a column end elsewhere (or read a wrong id first).
    for (let k = 0; k < offs.length; k++) {
      for (const d of [-1, 1]) {
        const shifted = [...offs];
        shifted[k] = (shifted[k] as number) + d;
        expect(() => decodeEdited(env, { offs: shifted }), `offs[${k}] ${d}`).toThrow(BatchDecodeError);
      }
    }
    // A selector id past the dictionary.
    expect(() => decodeEdited(env, { sels: ['#a'] })).toThrow(/unknown selector/);
    // A truncated element section: its last byte, its second event, all of it.
    for (const end of [env.cols.length - 1, (offs[8] as number) + 6, offs[8] as number]) {
      const cut = Uint8Array.from(env.cols.subarray(0, end));
      expect(() => decodeEdited(env, { cols: cut }), `cut at ${end}`).toThrow(/column lengths/);
    }
    // An offset past 1000: the ox of the rage click (1000 = e8 07) made 1001.
    const cols = Uint8Array.from(env.cols);
    const at = (offs[8] as number) + 6; // after the first event's element (500, 250, 120, 40: 6 bytes)
    expect([cols[at], cols[at + 1]]).toEqual([0xe8, 0x07]);
    cols[at] = 0xe9;
    expect(() => decodeEdited(env, { cols })).toThrow(/element offset past 1000/);
    // A frame without elements whose element section is not empty.
    const plainEnv = envelopeOf([plain('click', 1)]);
    const extra = Uint8Array.from([...plainEnv.cols, 0]);
    expect(() => decodeEdited(plainEnv, { cols: extra })).toThrow(/column lengths/);
    // A format 2 frame cannot hold the codes of rage (3) and dead (4).
    const v2 = decodeEnvelope(Uint8Array.from(encodeFormat2([plain('click', 1)], 0)));
    const v2cols = Uint8Array.from(v2.cols);
    v2cols[0] = KIND_CODE.rage as number;
    expect(() => decodeEdited(v2, { cols: v2cols })).toThrow(/unknown url, site or kind/);
    expect(decodeEdited(env, {})).toEqual(events);
  });
});
