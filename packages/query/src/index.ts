export { InvalidQueryError, InvalidRangeError, QUERY_ERRORS } from './errors';
export {
  type ListPagesOptions,
  listPages,
  MAX_PAGES,
  type PageList,
  type PagesQuery,
  type PageTotals,
} from './list-pages';
export { type DayInput, DEFAULT_MAX_DAYS, type PlanInput, planQuery, type QueryPlan } from './plan-query';
export {
  type AnyHeatmapQuery,
  type ElementHeatmapQuery,
  type HeatmapMode,
  type HeatmapOf,
  type HeatmapQuery,
  keysOfPlan,
  type LivePart,
  type LiveSource,
  type PageKey,
  pageKeyOf,
  type QueryHeatmapOptions,
  queryHeatmap,
} from './query-heatmap';
export {
  type ElementHeat,
  type ElementHeatmap,
  type ReduceElementsInput,
  reduceElements,
  TOP_ELEMENTS,
  type TopElement,
} from './reduce-elements';
export { type HeatCell, type Heatmap, type ReduceInput, reduceHeatmap } from './reduce-heatmap';
