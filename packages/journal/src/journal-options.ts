/** Options of {@link openJournal}, their defaults, and their validation. */
import { DEFAULT_BLOCK_BYTES } from './block-segment-writer';
import type { JournalError } from './errors';
import { JournalOptionError } from './errors';

/** Options of `openJournal`. Only `dir` is required. */
export interface JournalOptions {
  /** The journal directory (created if missing). One writer per directory. */
  dir: string;
  /** Rotate when the open segment reaches this many bytes (raw). Default 64 MiB. */
  segmentBytes?: number;
  /** Rotate when the open segment is this old (ms, by `clock`). Default 1 hour. */
  segmentMs?: number;
  /**
   * The loss window (ms): an appended event is written and fsynced at most this long after
   * `append` returns, while the disk keeps up. The write loop runs every `fsyncMs / 2`. Default 1000.
   */
  fsyncMs?: number;
  /** Compress a segment when it is sealed (gzip-compatible blocks). Default true. */
  compress?: boolean;
  /** Deflate level for sealed segments, 1 (fast) to 9 (small). Default 9: sealing is off the hot path. */
  compressionLevel?: number;
  /**
   * Uncompressed size of the independently compressed blocks of a sealed segment: damage to a
   * sealed file loses at most the block it hits. Smaller blocks lose less and compress worse.
   * Default 128 KiB (about 5,000 realistic events, under 1 % larger than one gzip member per segment).
   */
  blockBytes?: number;
  /**
   * Largest amount of appended data (bytes, estimated) buffered while not yet written. Past it,
   * `append` takes fewer events than it was given. Default 64 MiB.
   */
  maxPendingBytes?: number;
  /**
   * Called with the path of each sealed segment (e.g. to copy it to a backup). A rejection is
   * reported through `onError` and retried with exponential backoff; the file stays in place.
   */
  onSeal?: (path: string) => void | Promise<void>;
  /** How many times a failed `onSeal` is retried. Default 5. */
  onSealRetries?: number;
  /** Delay before the first `onSeal` retry (ms); doubles on each retry. Default 500. */
  onSealBackoffMs?: number;
  /**
   * Receives every error the background work meets (disk errors, seal failures, invalid events).
   * Never throws into the host. Default: `process.emitWarning`.
   */
  onError?: (error: JournalError) => void;
  /**
   * Called after each fsync of the open segment with how long it took (ms) and how many events it
   * made durable: the disk's latency, for metrics. Must not throw.
   */
  onFsync?: (ms: number, events: number) => void;
  /** Wall clock (epoch ms) for segment names and rotation by age; inject one in tests. Default `Date.now`. */
  clock?: () => number;
}

/** {@link JournalOptions} with every default filled in. */
export interface ResolvedJournalOptions {
  dir: string;
  segmentBytes: number;
  segmentMs: number;
  fsyncMs: number;
  compress: boolean;
  compressionLevel: number;
  blockBytes: number;
  maxPendingBytes: number;
  onSeal: ((path: string) => void | Promise<void>) | undefined;
  onSealRetries: number;
  onSealBackoffMs: number;
  onError: (error: JournalError) => void;
  onFsync: ((ms: number, events: number) => void) | undefined;
  clock: () => number;
}

const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

function positive(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new JournalOptionError(`option ${name} must be a finite number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** Validates options and fills in defaults; throws {@link JournalOptionError} on a bad value. */
export function resolveJournalOptions(options: JournalOptions): ResolvedJournalOptions {
  if (typeof options !== 'object' || options === null) {
    throw new JournalOptionError('openJournal needs an options object with at least { dir }');
  }
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new JournalOptionError('option dir must be a non-empty path to the journal directory');
  }
  const level = options.compressionLevel ?? 9;
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new JournalOptionError(
      `option compressionLevel must be an integer from 1 to 9, got ${String(level)}`,
    );
  }
  if (options.blockBytes !== undefined && !(options.blockBytes <= MAX_BLOCK_BYTES)) {
    // Block records hold lengths as uint32; a frame is at most 256 MiB anyway.
    throw new JournalOptionError(
      `option blockBytes must be at most ${MAX_BLOCK_BYTES} (256 MiB), got ${String(options.blockBytes)}`,
    );
  }
  for (const name of ['onSeal', 'onError', 'onFsync', 'clock'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new JournalOptionError(`option ${name} must be a function`);
    }
  }
  return {
    dir: options.dir,
    segmentBytes: positive('segmentBytes', options.segmentBytes, 64 * 1024 * 1024),
    segmentMs: positive('segmentMs', options.segmentMs, 60 * 60 * 1000),
    fsyncMs: positive('fsyncMs', options.fsyncMs, 1000, 2),
    compress: options.compress ?? true,
    compressionLevel: level,
    blockBytes: positive('blockBytes', options.blockBytes, DEFAULT_BLOCK_BYTES, 1024),
    maxPendingBytes: positive('maxPendingBytes', options.maxPendingBytes, 64 * 1024 * 1024, 1024),
    onSeal: options.onSeal,
    onSealRetries: positive('onSealRetries', options.onSealRetries, 5, 0),
    onSealBackoffMs: positive('onSealBackoffMs', options.onSealBackoffMs, 500, 0),
    onError: options.onError ?? ((error) => process.emitWarning(error)),
    onFsync: options.onFsync,
    clock: options.clock ?? Date.now,
  };
}
