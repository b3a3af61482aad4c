/**
 * One error factory for the monorepo (`defineError` in @monkeytracker/grid): every package's
 * table together must have unique codes, each documented in the README of the package that
 * throws it, each with an HTTP status.
 */
import { readFileSync } from 'node:fs';
import { GRID_ERRORS } from '@monkeytracker/grid';
import { JOURNAL_ERRORS } from '@monkeytracker/journal';
import { PIPELINE_ERRORS } from '@monkeytracker/pipeline';
import { QUERY_ERRORS } from '@monkeytracker/query';
import { STORAGE_ERRORS } from '@monkeytracker/storage';
import { MONGO_STORAGE_ERRORS } from '@monkeytracker/storage-mongodb';
import { VIEWER_ERRORS } from '@monkeytracker/viewer';
import { TRACKER_ERRORS } from 'monkeytracker';
import { HTTP_ERRORS } from 'monkeytracker/http';
import { describe, expect, it } from 'vitest';
import { CLI_ERRORS } from '../packages/cli/src/errors';

const TABLES = {
  grid: GRID_ERRORS,
  journal: JOURNAL_ERRORS,
  storage: STORAGE_ERRORS,
  'storage-mongodb': MONGO_STORAGE_ERRORS,
  query: QUERY_ERRORS,
  pipeline: PIPELINE_ERRORS,
  monkeytracker: { ...TRACKER_ERRORS, ...HTTP_ERRORS },
  cli: CLI_ERRORS,
  viewer: VIEWER_ERRORS,
};

describe('error codes across the monorepo', () => {
  it('are unique: no code names two errors', () => {
    const seen = new Map<string, string>();
    for (const [pkg, table] of Object.entries(TABLES)) {
      for (const code of Object.keys(table)) {
        expect(seen.get(code), `${code} is defined by ${seen.get(code)} and ${pkg}`).toBeUndefined();
        seen.set(code, pkg);
      }
    }
    expect(seen.size).toBeGreaterThan(30);
  });

  it('each carry an HTTP status and a summary', () => {
    for (const table of Object.values(TABLES)) {
      for (const spec of Object.values(table)) {
        expect(spec.status, spec.code).toBeGreaterThanOrEqual(400);
        expect(spec.status, spec.code).toBeLessThan(600);
        expect(spec.summary.length, spec.code).toBeGreaterThan(20);
      }
    }
  });

  it.each(Object.entries(TABLES))('are documented in packages/%s/README.md', (pkg, table) => {
    const readme = readFileSync(new URL(`../packages/${pkg}/README.md`, import.meta.url), 'utf8');
    for (const code of Object.keys(table))
      expect(readme, `${code} in packages/${pkg}/README.md`).toContain(`\`${code}\``);
  });
});
