import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as journal from '../src/index';
import { JOURNAL_ERROR_CODES, type JournalError } from '../src/index';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

type ErrorClass = new (message: string) => JournalError;
const classes = (Object.values(journal) as unknown[]).filter(
  (v): v is ErrorClass => typeof v === 'function' && v.prototype instanceof journal.JournalError,
);

describe('error table', () => {
  it('has one class per code, each code unique', () => {
    const codes = classes.map((C) => new C('x').code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.sort()).toEqual(Object.keys(JOURNAL_ERROR_CODES).sort());
  });

  it('documents every code in the README', () => {
    for (const code of Object.keys(JOURNAL_ERROR_CODES)) expect(README).toContain(`\`${code}\``);
  });

  it('prefixes messages and names the class', () => {
    for (const C of classes) {
      const e = new C('what went wrong; what to do');
      expect(e.message).toBe('[monkeytracker] [journal] what went wrong; what to do');
      expect(e.name).toBe(C.name);
      expect(e).toBeInstanceOf(Error);
    }
  });
});
