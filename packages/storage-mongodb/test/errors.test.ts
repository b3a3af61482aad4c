import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MONGO_STORAGE_ERROR_CODES,
  MONGO_STORAGE_THROWN_CODES,
  MongoStorageOptionsError,
} from '../src/index';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('storage-mongodb error table', () => {
  it('own codes are unique, have a class, and do not reuse a shared storage code', () => {
    const own = Object.keys(MONGO_STORAGE_ERROR_CODES);
    expect(new Set(own).size).toBe(own.length);
    expect(new MongoStorageOptionsError('x').code).toBe('MONGO_STORAGE_INVALID_OPTIONS');
    for (const code of own) expect(code.startsWith('STORAGE_')).toBe(false);
  });

  it('documents every code it can throw in the README', () => {
    for (const code of Object.keys(MONGO_STORAGE_THROWN_CODES)) expect(readme, code).toContain(`\`${code}\``);
  });

  it('prefixes its messages', () => {
    expect(new MongoStorageOptionsError('x').message).toBe('[monkeytracker] [storage-mongodb] x');
  });
});
