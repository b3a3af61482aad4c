import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_ERRORS } from '../src/index';
import { PACKAGE_DIR } from './build-dist';

describe('error codes', () => {
  it('are each documented in the README errors table', () => {
    const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
    const table = readme.split(/^## Errors\s*$/m)[1]?.split(/^## /m)[0] ?? '';
    const codes = Object.keys(JOURNAL_ERRORS);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes)
      expect(table, `${code} is missing from README.md ## Errors`).toContain(`\`${code}\``);
  });
});
