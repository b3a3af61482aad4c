export { INDEX_SPECS } from './ensure-indexes';
export { MONGO_STORAGE_ERRORS, MongoStorageOptionsError } from './errors';
export type { ClaimDocument, IndexDocument } from './index-document';
export { MongoStorage, type MongoStorageOptions } from './mongo-storage';
export type { StampDocument } from './page-stamps';
