export {
  BLOCK_SIZES,
  type BlockSize,
  blockPeriod,
  blockStart,
  parseBlockPeriod,
} from './block-period';
export { assertBreakpoints, bucketOf, DEFAULT_BREAKPOINTS } from './bucket';
export {
  type CivilDate,
  civilOf,
  DAY_MS,
  dayNumberOf,
  daysInMonth,
  formatDay,
  formatMonth,
  parseDay,
} from './calendar';
export {
  assertCellSize,
  CELL_X_BITS,
  cellColumn,
  cellOf,
  cellRow,
  DEFAULT_CELL_SIZE,
  MAX_CELL_ID,
  MAX_CELL_X,
  MAX_CELL_Y,
} from './cell';
export { decodeIndex, ELEMENT_INDEX_FORMAT_VERSION, encodeIndex, INDEX_FORMAT_VERSION } from './codec';
export {
  defineError,
  type ErrorClass,
  type ErrorOf,
  type ErrorSpec,
  type ErrorTable,
  errorTable,
  isMonkeyTrackerError,
  MonkeyTrackerError,
} from './define-error';
export {
  ELEMENT_CELL_UNITS,
  ELEMENT_GRID,
  ElementBuilder,
  type ElementEntry,
  type ElementIndex,
  type ElementRows,
  elementCell,
  elementEntries,
  elementRows,
  indexByteLength,
  isElementIndex,
  readElement,
} from './element-index';
export * from './errors';
export * from './event';
export { GridBuilder, type GridBuilderOptions } from './grid-builder';
export {
  EMPTY_INDEX,
  type GridIndex,
  indexesEqual,
  indexFromEntries,
  mergeIndexes,
  mergeMany,
} from './grid-index';
export {
  assertIndexKey,
  type ElementIndexKind,
  elementIndexKind,
  INDEX_KINDS,
  type IndexKey,
  type IndexKind,
  isElementIndexKind,
  isPeriod,
  keyFromString,
  keyToString,
  type Period,
} from './index-key';
export { type ReachPoint, scrollReach } from './scroll-reach';
export { createSiteResolver, type SiteOptions, type SiteRejectReason } from './sites';
export {
  createUrlNormalizer,
  createUrlParser,
  normalizeUrl,
  type ParsedPageUrl,
  type UrlOptions,
} from './url';
export { dayPeriod, monthPeriod, ZoneCalendar, zoneCalendar } from './zone-calendar';
