import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isRetryableStorageError,
  STORAGE_ERROR_CODES,
  StorageBackendError,
  StorageCapacityError,
  StorageClosedError,
  StorageConflictError,
  StorageCorruptionError,
  StorageFilterError,
  StorageUnavailableError,
} from '../src/index';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('storage error table', () => {
  const errors = [
    new StorageConflictError('k', 'x'),
    new StorageClosedError('x'),
    new StorageUnavailableError('x'),
    new StorageCapacityError('x'),
    new StorageCorruptionError('k', 'x'),
    new StorageFilterError('x'),
    new StorageBackendError('x'),
  ];

  it('has one class per code, every code unique and in the table', () => {
    const codes = errors.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.sort()).toEqual(Object.keys(STORAGE_ERROR_CODES).sort());
  });

  it('documents every code in the README', () => {
    for (const code of Object.keys(STORAGE_ERROR_CODES)) expect(readme, code).toContain(`\`${code}\``);
  });

  it('prefixes messages and names the class', () => {
    for (const e of errors) {
      expect(e.message.startsWith('[monkeytracker] [storage] ')).toBe(true);
      expect(e.name).toBe(e.constructor.name);
    }
  });

  it('isRetryableStorageError: unavailable and conflict only, by code', () => {
    expect(errors.filter(isRetryableStorageError).map((e) => e.code)).toEqual([
      'STORAGE_CONFLICT',
      'STORAGE_UNAVAILABLE',
    ]);
    expect(isRetryableStorageError({ code: 'STORAGE_UNAVAILABLE' })).toBe(true);
    expect(isRetryableStorageError(new Error('x'))).toBe(false);
    expect(isRetryableStorageError(null)).toBe(false);
  });

  it('carries merge progress', () => {
    const progress = { appliedKeys: ['a'], pendingKeys: ['b'], unknownKeys: ['c'] };
    const e = new StorageUnavailableError('x', { progress, cause: new Error('down') });
    expect([e.appliedKeys, e.pendingKeys, e.unknownKeys]).toEqual([['a'], ['b'], ['c']]);
    expect((e.cause as Error).message).toBe('down');
    expect(new StorageClosedError('x').pendingKeys).toEqual([]);
  });
});
