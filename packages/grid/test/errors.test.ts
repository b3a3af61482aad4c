import { readFileSync } from 'node:fs';
import * as grid from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';

describe('error table', () => {
  const classes = [
    grid.IndexCodecError,
    grid.InvalidKeyError,
    grid.InvalidTimeZoneError,
    grid.InvalidUrlError,
    grid.InvalidGridOptionError,
  ];

  it('gives every class its own code from the table, and every code a class', () => {
    const codes = classes.map((C) => new C('x').code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.sort()).toEqual(Object.keys(grid.GRID_ERROR_CODES).sort());
  });

  it('documents every code in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(grid.GRID_ERROR_CODES)) expect(readme).toContain(`\`${code}\``);
  });

  it('names the package and the class in messages', () => {
    const err = new grid.InvalidKeyError('bad');
    expect(err.message).toBe('[monkeytracker] [grid] bad');
    expect(err.name).toBe('InvalidKeyError');
    expect(err).toBeInstanceOf(Error);
  });
});
