import { EVENT_KINDS, type HeatEvent } from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeEvents, encodeBatch } from '../src/batch-codec';
import { EventStage, FRAME_MAX_EVENTS, KIND_BY_CODE, KIND_CODE, MAX_EVENT_TIME } from '../src/event-stage';

const eventArb: fc.Arbitrary<HeatEvent> = fc.record({
  kind: fc.constantFrom(...EVENT_KINDS),
  url: fc.string({ minLength: 1, maxLength: 40 }),
  x: fc.nat({ max: 4_294_967_295 }),
  y: fc.nat({ max: 4_294_967_295 }),
  vw: fc.nat({ max: 20_000 }),
  vh: fc.nat({ max: 20_000 }),
  t: fc.nat({ max: MAX_EVENT_TIME }),
  site: fc.constantFrom('default', 'a.example', 'b.example'),
});

function roundTrip(events: HeatEvent[]): HeatEvent[] {
  const stage = new EventStage(4);
  expect(stage.add(events, 0, events.length)).toBe(events.length);
  return decodeEvents(decodeEnvelope(encodeBatch(stage)), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
}

describe('batch codec', () => {
  it('round-trips any batch of valid events exactly', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 200 }), (events) => {
        expect(roundTrip(events)).toEqual(events);
      }),
      { numRuns: 200 },
    );
  });

  it('has a stable code for every kind of @monkeytracker/grid', () => {
    for (const kind of EVENT_KINDS) expect(KIND_BY_CODE[KIND_CODE[kind] as number]).toBe(kind);
    expect(KIND_CODE).toEqual({ click: 0, scroll: 1, move: 2 });
  });

  it('records the time range of the batch in the envelope', () => {
    const stage = new EventStage();
    const events: HeatEvent[] = [5, 1, 9].map((t) => ({
      kind: 'click',
      url: '/',
      x: 0,
      y: 0,
      vw: 1,
      vh: 1,
      t,
      site: 's',
    }));
    stage.add(events, 0, 3);
    const env = decodeEnvelope(encodeBatch(stage));
    expect(env).toMatchObject({ v: 2, n: 3, o: 0, c: false, lo: 1, hi: 9, urls: ['/'], sites: ['s'] });
    expect(decodeEvents(env, 2, 9).map((e) => e.t)).toEqual([5]);
  });

  it('stops at the frame cap so frames stay bounded', () => {
    const stage = new EventStage();
    const e: HeatEvent = { kind: 'click', url: '/', x: 0, y: 0, vw: 1, vh: 1, t: 1, site: 's' };
    const many = new Array<HeatEvent>(FRAME_MAX_EVENTS + 10).fill(e);
    expect(stage.add(many, 0, many.length)).toBe(FRAME_MAX_EVENTS);
    expect(stage.full).toBe(true);
  });

  it('rejects payloads whose columns do not match the envelope', () => {
    const stage = new EventStage();
    stage.add([{ kind: 'click', url: '/', x: 300, y: 0, vw: 1, vh: 1, t: 1, site: 's' }], 0, 1);
    const env = decodeEnvelope(encodeBatch(stage));
    const broken = { ...env, cols: env.cols.subarray(0, env.cols.length - 1) };
    expect(() => decodeEvents(broken, 0, Number.POSITIVE_INFINITY)).toThrow(/column lengths/);
    expect(() => decodeEnvelope(Uint8Array.of(0xc1))).toThrow();
    expect(() => decodeEnvelope(Uint8Array.of(0x01))).toThrow(/envelope/);
  });
});
