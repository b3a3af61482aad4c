// `monkeytracker/http`: the HTTP layer, on the narrow TrackerPort (a Tracker is one).
export { type Authorize, bearerToken, isLoopback, TOKEN_COOKIE } from './access';
export type { CorsOption } from './cors';
export type { HandlerStats, HttpMetrics, ViewerConfig } from './endpoints';
export { HTTP_ERRORS, type HttpErrorBody } from './errors';
export {
  createHandler,
  type HandlerOptions,
  type MonkeyTrackerHandler,
  type NextFunction,
} from './handler';
export type { TrackerHealth, TrackerPort } from './port';
export type { ViewerApp, ViewerAsset } from './viewer-endpoint';
