/**
 * What a run of frames holds, counted from their envelopes: events, time range, positions. The
 * sealer writes it into the summary and block records; the reader counts the same way to check
 * those records against the content. One definition for both sides keeps them comparable.
 */
import type { BatchEnvelope } from './batch-codec';
import type { SealedSummary } from './block-format';

/** A running count of envelopes. */
export class FrameTally {
  frames = 0;
  events = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private first: number | undefined;
  private end: number | undefined;
  /** False once a frame without a position (format 1) was counted. */
  private positioned = true;

  /** Counts one decoded envelope. */
  add(env: BatchEnvelope): void {
    this.frames++;
    this.events += env.n;
    if (env.n > 0) {
      if (env.lo < this.lo) this.lo = env.lo;
      if (env.hi > this.hi) this.hi = env.hi;
    }
    if (env.o === undefined) this.positioned = false;
    else {
      this.first ??= env.o;
      this.end = Math.max(this.end ?? 0, env.o + env.n);
    }
  }

  /** The count as a summary (`tMin`/`tMax` 0 without events; positions only when every frame had one). */
  summary(writtenMax: number): SealedSummary {
    const s: SealedSummary = {
      events: this.events,
      tMin: this.events > 0 ? this.lo : 0,
      tMax: this.events > 0 ? this.hi : 0,
      writtenMax,
    };
    if (this.positioned && this.first !== undefined && this.end !== undefined) {
      s.first = this.first;
      s.end = this.end;
    }
    return s;
  }
}

/** A summary as `n=…; t=…..…; p=…..…` for messages. */
export function describeSummary(s: SealedSummary): string {
  const p = s.first === undefined ? 'no positions' : `p=${s.first}..${s.end}`;
  return `n=${s.events}, t=${s.tMin}..${s.tMax}, ${p}`;
}
