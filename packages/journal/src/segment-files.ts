/**
 * Segment file names and directory listing.
 *
 * A segment is named `<start>-<seq>.mtj` while open (raw frames) and `<start>-<seq>.mtj.gz` once
 * sealed; `<start>` is the UTC time the writer opened it (`20240610T061320123Z`) and `<seq>` a
 * 10-digit sequence number. The writer keeps start times monotone, so sorting by name, by start
 * time and by sequence all give append order. Sealed segments of both formats (block segments,
 * and the single-member gzip of earlier versions) are gzip files and share the `.mtj.gz` name:
 * a reader tells them apart by their content (see block-segment-reader.ts).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Extension of an open (raw) segment. */
export const RAW_EXT = '.mtj';
/** Extension of a sealed segment (gzip members: a block segment, or a legacy single member). */
export const SEALED_EXT = '.mtj.gz';
/** Suffix of a sealed segment being written; a leftover one is an interrupted seal. */
export const TEMP_SUFFIX = '.tmp';

const NAME_RE = /^(\d{8}T\d{9}Z)-(\d{10})\.mtj(\.gz)?$/;

/** One segment file in a journal directory. */
export interface SegmentFile {
  /** File name inside the directory. */
  file: string;
  /** Absolute or dir-relative path (the directory joined with `file`). */
  path: string;
  /** Name without extension, shared by the raw and sealed forms. */
  base: string;
  /** Sequence number: the append order of segments. */
  seq: number;
  /** When the writer opened the segment (epoch ms, from its name). */
  startMs: number;
  /** True for a sealed `.mtj.gz`, false for a raw `.mtj`. */
  sealed: boolean;
}

/** Formats epoch ms as `YYYYMMDDTHHMMSSmmmZ` (sorts like the time, safe in file names). */
function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

function parseCompactTime(s: string): number {
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
  return Date.parse(iso);
}

/** The base name (no extension) of segment `seq` opened at `startMs`. */
export function segmentBase(startMs: number, seq: number): string {
  return `${compactTime(startMs)}-${String(seq).padStart(10, '0')}`;
}

/** Parses a segment file name; null for any other file. */
export function parseSegmentFile(dir: string, file: string): SegmentFile | null {
  const m = NAME_RE.exec(file);
  if (!m) return null;
  const startMs = parseCompactTime(m[1] as string);
  if (!Number.isFinite(startMs)) return null;
  return {
    file,
    path: join(dir, file),
    base: `${m[1]}-${m[2]}`,
    seq: Number(m[2]),
    startMs,
    sealed: m[3] !== undefined,
  };
}

/** The files of a journal directory, classified. */
export interface SegmentListing {
  /** One entry per segment, in append order; the sealed form wins when both exist. */
  segments: SegmentFile[];
  /** Raw files whose sealed form also exists (a seal interrupted before it removed the raw file). */
  shadowed: SegmentFile[];
  /** Leftover temporary files of interrupted seals. */
  temps: string[];
}

/** Lists a journal directory. A missing directory is an empty journal. */
export async function listSegments(dir: string): Promise<SegmentListing> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { segments: [], shadowed: [], temps: [] };
    throw err;
  }
  const bySeq = new Map<number, SegmentFile>();
  const shadowed: SegmentFile[] = [];
  const temps: string[] = [];
  for (const file of files) {
    if (file.endsWith(TEMP_SUFFIX)) {
      if (NAME_RE.test(file.slice(0, -TEMP_SUFFIX.length))) temps.push(join(dir, file));
      continue;
    }
    const seg = parseSegmentFile(dir, file);
    if (!seg) continue;
    const other = bySeq.get(seg.seq);
    if (!other) bySeq.set(seg.seq, seg);
    else if (seg.sealed) {
      shadowed.push(other);
      bySeq.set(seg.seq, seg);
    } else shadowed.push(seg);
  }
  const segments = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return { segments, shadowed, temps };
}
