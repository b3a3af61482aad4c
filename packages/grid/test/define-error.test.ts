import { defineError, errorTable, isMonkeyTrackerError, MonkeyTrackerError } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';

describe('defineError', () => {
  const Boom = defineError('BoomError', {
    code: 'TEST_BOOM',
    scope: 'test',
    status: 418,
    summary: 'a test error',
  }).withFields<{ key: string }>();

  it('makes classes with the code, status and fields as data', () => {
    const cause = new Error('inner');
    const err = new Boom('key k is bad', { key: 'k', cause });
    expect(err).toBeInstanceOf(Boom);
    expect(err).toBeInstanceOf(MonkeyTrackerError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('BoomError');
    expect(err.message).toBe('[monkeytracker] [test] key k is bad');
    expect(err.detail).toBe('key k is bad');
    expect(err.code).toBe('TEST_BOOM');
    expect(err.status).toBe(418);
    expect(err.key).toBe('k');
    expect(err.cause).toBe(cause);
    expect(Object.keys(err)).not.toContain('cause');
    expect(Boom.name).toBe('BoomError');
    expect({ code: Boom.code, status: Boom.status, summary: Boom.summary }).toEqual({
      code: 'TEST_BOOM',
      status: 418,
      summary: 'a test error',
    });
  });

  it('recognises errors by code, across copies of a package', () => {
    const copy = defineError('BoomError', { code: 'TEST_BOOM', scope: 'test', status: 418, summary: 'x' });
    expect(Boom.is(new copy('from another bundle'))).toBe(true);
    expect(Boom.is(new Error('plain'))).toBe(false);
    expect(Boom.is({ code: 'TEST_BOOM', status: 418 })).toBe(false);
    expect(isMonkeyTrackerError(new copy('x'))).toBe(true);
    expect(isMonkeyTrackerError(null)).toBe(false);
  });

  it('builds tables and refuses a code twice', () => {
    const Other = defineError('OtherError', { code: 'TEST_OTHER', scope: 'test', status: 500, summary: 'y' });
    expect(Object.keys(errorTable(Boom, Other))).toEqual(['TEST_BOOM', 'TEST_OTHER']);
    expect(() => errorTable(Boom, Boom)).toThrow(/duplicate error code TEST_BOOM/);
  });
});
