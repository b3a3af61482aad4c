export { QUERY_ERROR_CODES, QueryError, type QueryErrorCode } from './errors';
export { type DayInput, DEFAULT_MAX_DAYS, type PlanInput, planQuery, type QueryPlan } from './plan-query';
export {
  type HeatmapQuery,
  keysOfPlan,
  type LiveDeltas,
  type PageKey,
  pageKeyOf,
  type QueryHeatmapOptions,
  queryHeatmap,
} from './query-heatmap';
export { type HeatCell, type Heatmap, type ReduceInput, reduceHeatmap } from './reduce-heatmap';
