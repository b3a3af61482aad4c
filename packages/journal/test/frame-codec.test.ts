import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_HEADER_BYTES, scanFrames } from '../src/frame-codec';

const payload = (n: number, fill: number) => new Uint8Array(n).fill(fill);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('frame codec', () => {
  it('scans back the frames it wrote', () => {
    const buf = concat(encodeFrame(payload(10, 1)), encodeFrame(payload(0, 0)), encodeFrame(payload(300, 7)));
    const scan = scanFrames(buf);
    expect(scan.frames.map((f) => f.payload.length)).toEqual([10, 0, 300]);
    expect(scan.corrupt).toEqual([]);
    expect(scan.tail).toBeNull();
    expect(scan.validEnd).toBe(buf.length);
  });

  it('resyncs past garbage and a bad checksum in the middle', () => {
    const a = encodeFrame(payload(20, 1));
    const b = encodeFrame(payload(20, 2));
    b[FRAME_HEADER_BYTES + 5] = (b[FRAME_HEADER_BYTES + 5] as number) ^ 0x10;
    const c = encodeFrame(payload(20, 3));
    const garbage = Uint8Array.of(0x4d, 0x54, 0x4a, 0xf1, 9, 9, 9);
    const buf = concat(a, garbage, b, c);
    const scan = scanFrames(buf);
    expect(scan.frames.map((f) => f.payload[0])).toEqual([1, 3]);
    expect(scan.corrupt).toEqual([{ offset: a.length, bytes: garbage.length + b.length }]);
  });

  it('reports a torn last frame as the tail, with where to truncate', () => {
    const a = encodeFrame(payload(20, 1));
    const b = encodeFrame(payload(20, 2));
    for (let cut = 1; cut < b.length; cut++) {
      const scan = scanFrames(concat(a, b.subarray(0, cut)));
      expect(scan.frames).toHaveLength(1);
      expect(scan.tail).toEqual({ offset: a.length, bytes: cut });
      expect(scan.validEnd).toBe(a.length);
    }
  });

  it('rejects a length field past the end or past the bound', () => {
    const a = encodeFrame(payload(20, 1));
    new DataView(a.buffer).setUint32(4, 0xffffffff, true);
    expect(scanFrames(a).frames).toHaveLength(0);
  });
});
