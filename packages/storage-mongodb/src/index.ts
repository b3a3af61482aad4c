export { INDEX_SPECS } from './ensure-indexes';
export {
  MONGO_STORAGE_ERROR_CODES,
  MONGO_STORAGE_THROWN_CODES,
  type MongoStorageErrorCode,
  MongoStorageOptionsError,
} from './errors';
export type { IndexDocument } from './index-document';
export { MongoStorage, type MongoStorageOptions } from './mongo-storage';
