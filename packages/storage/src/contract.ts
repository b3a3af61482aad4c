// The `@monkeytracker/storage/contract` entry: the contract suite for adapter authors. It imports
// vitest, so it lives apart from the main entry, which must load without vitest installed.
export { type ContractFixture, type StorageContractOptions, storageContract } from './storage-contract';
