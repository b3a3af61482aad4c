import type { SiteOptions } from '@monkeytracker/grid';
import type { TrackResult } from '@monkeytracker/pipeline';
import type { AnyHeatmapQuery, ElementHeatmap, Heatmap, PageList, PagesQuery } from '@monkeytracker/query';

/**
 * What the HTTP layer needs from a tracker, and nothing more: a `Tracker` is one, and so is any
 * object that forwards to one (a test double, a tracker in another worker). Keeping the HTTP
 * layer on this narrow port is what lets it live apart from the tracker without a cycle.
 */
export interface TrackerPort {
  /** Validates and counts events (see `Tracker.track`). */
  track(input: unknown): TrackResult;
  /** Answers a heatmap query (see `Tracker.query`). */
  query(query: AnyHeatmapQuery): Promise<Heatmap | ElementHeatmap>;
  /** The busiest pages of a site (see `Tracker.pages`). */
  pages(query: PagesQuery): Promise<PageList>;
  /** Counters for the detailed health answer; `health` is its one-word summary. */
  stats(): { health: TrackerHealth };
  /** True while new events are refused: collect answers 503 without reading the body. */
  readonly overloaded: boolean;
  /**
   * The tracker's sites (without any, a client's `site` field is ignored: it must not mint
   * sites), and the geometry and calendar `/config` tells the viewer.
   */
  readonly options: {
    readonly sites: readonly SiteOptions[] | undefined;
    readonly cellSize: number;
    readonly breakpoints: readonly number[];
    readonly timeZone: string;
    readonly maxQueryDays: number;
  };
  /** The clock that stamps events (unless the handler trusts client time). */
  now(): number;
  /** Where the HTTP layer reports errors it does not show to clients. */
  onError(error: Error): void;
}

/** What public `/health` says: `ok`, `degraded` (merges or the journal failing, events still taken) or `overloaded` (events refused). */
export type TrackerHealth = 'ok' | 'degraded' | 'overloaded';
