/**
 * Unsigned LEB128 varints over a growable byte buffer, exact for integers up to 2^53.
 * Internal to the codec.
 */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(initialCapacity = 64) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  writeVarint(value: number): void {
    if (this.length + 8 > this.bytes.length) this.#grow(this.length + 8);
    const b = this.bytes;
    let n = this.length;
    if (value < 0x80000000) {
      // Fast path: bit operations are exact below 2^31.
      while (value >= 0x80) {
        b[n++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      b[n++] = value;
    } else {
      while (value >= 0x80) {
        b[n++] = (value % 128) | 0x80;
        value = Math.floor(value / 128);
      }
      b[n++] = value;
    }
    this.length = n;
  }

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  #grow(min: number): void {
    let capacity = this.bytes.length * 2;
    while (capacity < min) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

/** Reads varints written by {@link ByteWriter}; `read` returns -1 on a truncated or oversized varint. */
export class ByteReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  readVarint(): number {
    const b = this.bytes;
    let result = 0;
    let scale = 1;
    // At most 8 groups of 7 bits (56 bits) cover 2^53; more is corruption, not a number.
    for (let i = 0; i < 8; i++) {
      if (this.offset >= b.length) return -1;
      const byte = b[this.offset++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result > Number.MAX_SAFE_INTEGER ? -1 : result;
      scale *= 128;
    }
    return -1;
  }
}

/** Maps a signed integer to an unsigned one so small magnitudes get short varints. */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Inverse of {@link zigzag}. */
export function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}
