import type { ReplayProgress } from 'monkeytracker';

/** Formats a byte count as MB with one decimal (`12.3 MB`). */
export function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Formats a duration in seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * One progress line of a replay: events, MB read of the total, events/s, ETA. `totalBytes` is
 * the size of the journal's segment files; a segment counts as read once it is opened, so the
 * ETA is coarse for journals of few large segments.
 */
export function progressLine(p: ReplayProgress, totalBytes: number, width = 24): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.events / seconds : 0;
  const fraction = totalBytes > 0 ? Math.min(1, p.bytes / totalBytes) : 1;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const eta = fraction > 0 && fraction < 1 ? formatDuration((seconds / fraction) * (1 - fraction)) : '0s';
  return `${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${p.events.toLocaleString('en')} events, ${formatMB(p.bytes)} / ${formatMB(totalBytes)}, ${Math.round(rate).toLocaleString('en')} events/s, ETA ${eta}`;
}

/**
 * Reports replay progress on a stream: one line rewritten in place on a terminal (at most 10
 * times a second), a plain line every 5 s otherwise (logs, CI).
 */
export function progressReporter(
  stream: NodeJS.WriteStream,
  totalBytes: number,
): { update(p: ReplayProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  const every = tty ? 100 : 5000;
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      const line = progressLine(p, totalBytes);
      if (tty) {
        stream.write(`\r${line}\x1b[K`);
        drawn = true;
      } else stream.write(`${line}\n`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
