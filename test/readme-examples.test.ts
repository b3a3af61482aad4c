/**
 * Keeps the documentation true: the `## Example` block of each package README is run as a
 * script against the built packages (what a user copying it would get).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(root, 'benchmarks/node_modules/tsx/dist/esm/index.mjs');
// Scripts live in a temporary folder inside the package, so its node_modules resolve imports.
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** The first ```ts block after a `## Example` heading. */
function exampleOf(readme: string): string | undefined {
  const section = readme.split(/^## Example\s*$/m)[1];
  return section ? /```ts\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
}

const packages = ['grid', 'journal', 'storage', 'query', 'pipeline', 'monkeytracker', 'viewer'];

describe('README examples run as written', () => {
  it.each(packages)('packages/%s', (name) => {
    const packageDir = join(root, 'packages', name);
    const code = exampleOf(readFileSync(join(packageDir, 'README.md'), 'utf8'));
    expect(code, `packages/${name}/README.md has a "## Example" section with a ts block`).toBeDefined();
    const dir = mkdtempSync(join(packageDir, '.readme-'));
    made.push(dir);
    const file = join(dir, 'example.mts');
    writeFileSync(file, code!);
    execFileSync(process.execPath, ['--import', tsx, file], { cwd: dir, stdio: 'pipe', timeout: 60_000 });
  });
});
