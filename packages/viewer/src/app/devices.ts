import type { PageEntry, TrackerConfig } from './api';

/** A viewport bucket as the viewer offers it: the width it renders the page at and a label. */
export interface Device {
  bucket: number;
  /** 'Mobile', 'Tablet', 'Desktop' for the presets' buckets; else the width range. */
  label: string;
  /** The width the page is shown at (CSS px). */
  width: number;
  minWidth: number;
  maxWidth: number | null;
  /** One of the three presets (shown as buttons); the other buckets are in a list. */
  preset: boolean;
}

/** The presets and the width each renders at; each maps onto the bucket that holds its width. */
const PRESETS = [
  { label: 'Mobile', width: 390 },
  { label: 'Tablet', width: 768 },
  { label: 'Desktop', width: 1280 },
];
/** Widths tried, in order, for a bucket that no preset falls in. */
const WIDTHS = [390, 768, 1280, 1440, 1920];

/** `minWidth–maxWidth px` or `minWidth px and wider`. */
export function rangeText(d: { minWidth: number; maxWidth: number | null }): string {
  return d.maxWidth === null ? `${d.minWidth} px and wider` : `${d.minWidth}–${d.maxWidth} px`;
}

/**
 * The tracker's viewport buckets as devices: Mobile, Tablet and Desktop on the buckets that
 * hold 390, 768 and 1280 px (two presets in one bucket share it, e.g. with custom breakpoints),
 * and every other bucket under its width range.
 */
export function devicesOf(config: TrackerConfig): Device[] {
  const inBucket = (w: number, b: TrackerConfig['buckets'][number]) =>
    w >= b.minWidth && (b.maxWidth === null || w <= b.maxWidth);
  return config.buckets.map((b) => {
    const presets = PRESETS.filter((p) => inBucket(p.width, b));
    if (presets.length > 0) {
      return {
        bucket: b.bucket,
        label: presets.map((p) => p.label).join(' / '),
        width: presets[presets.length - 1]!.width,
        minWidth: b.minWidth,
        maxWidth: b.maxWidth,
        preset: true,
      };
    }
    const width = WIDTHS.find((w) => inBucket(w, b)) ?? b.minWidth;
    return {
      bucket: b.bucket,
      label: rangeText(b),
      width,
      minWidth: b.minWidth,
      maxWidth: b.maxWidth,
      preset: false,
    };
  });
}

/** The Desktop bucket (the default view), else the last preset, else the first bucket. */
export function defaultBucket(devices: Device[]): number {
  return (
    devices.find((d) => d.label.includes('Desktop'))?.bucket ??
    devices.filter((d) => d.preset).pop()?.bucket ??
    devices[0]?.bucket ??
    0
  );
}

/** Events of `page` in `bucket` (0 when the page or bucket is unknown). */
export function countIn(page: PageEntry | undefined, bucket: number): number {
  return page?.buckets[String(bucket)] ?? 0;
}
