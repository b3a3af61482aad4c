/**
 * A growable byte buffer with unsigned LEB128 varint writes: the scratch space the batch codec
 * encodes columns into. One instance is reused for every frame, so a steady writer allocates
 * nothing per event; the buffer doubles when it runs out, so growth is amortised O(1).
 */

const TWO_POW_31 = 2 ** 31;

/** A reusable, geometrically grown byte buffer with varint writers. */
export class ByteWriter {
  /** The backing store; only `[0, length)` is meaningful. */
  bytes: Uint8Array;
  /** Number of bytes written so far. */
  length = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  /** Forgets the content but keeps the capacity. */
  reset(): void {
    this.length = 0;
  }

  /** Makes room for `extra` more bytes, doubling the capacity as often as needed. */
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Writes one byte (the caller has reserved room with {@link ensure}). */
  byte(value: number): void {
    this.bytes[this.length++] = value;
  }

  /**
   * Writes an unsigned integer below 2^53 as a varint (the caller has reserved 8 bytes). Values
   * below 2^31 take the bitwise fast path; larger ones (timestamps) fall back to division.
   */
  uvarint(value: number): void {
    const b = this.bytes;
    let p = this.length;
    if (value < TWO_POW_31) {
      while (value > 0x7f) {
        b[p++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      b[p++] = value;
    } else {
      while (value > 0x7f) {
        b[p++] = (value % 128) | 0x80;
        value = Math.floor(value / 128);
      }
      b[p++] = value;
    }
    this.length = p;
  }

  /** Writes a signed integer of magnitude below 2^52 as a zigzag varint (small magnitudes, small bytes). */
  svarint(value: number): void {
    this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** Copies out the bytes written so far (the buffer itself is reused for the next frame). */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
