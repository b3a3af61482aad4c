export * from './errors';
export * from './event';
export { CELL_X_BITS, MAX_CELL_X, MAX_CELL_Y, MAX_CELL_ID, DEFAULT_CELL_SIZE, cellOf, cellColumn, cellRow } from './cell';
export { type IndexKey, type Period, isPeriod, assertIndexKey, keyToString, keyFromString } from './index-key';
export { type GridIndex, EMPTY_INDEX, indexFromEntries, indexesEqual, mergeIndexes, mergeMany } from './grid-index';
export { GridBuilder, type GridBuilderOptions } from './grid-builder';
export { INDEX_FORMAT_VERSION, encodeIndex, decodeIndex } from './codec';
