import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MongoStorage } from '../src/index';

describe('MongoStorage options', () => {
  it('needs exactly one of uri, client, collection', () => {
    expect(() => new MongoStorage({})).toThrow(
      expect.objectContaining({ code: 'MONGO_STORAGE_INVALID_OPTIONS' }),
    );
    const client = new MongoClient('mongodb://127.0.0.1:1');
    expect(() => new MongoStorage({ uri: 'mongodb://x', client })).toThrow(/exactly one/);
  });

  it('rejects bad numbers', () => {
    expect(() => new MongoStorage({ uri: 'mongodb://127.0.0.1:1', maxRetries: -1 })).toThrow(/maxRetries/);
  });

  it('refuses an unacknowledged write concern, from the options or the URI', () => {
    expect(() => new MongoStorage({ uri: 'mongodb://127.0.0.1:1', writeConcern: { w: 0 } })).toThrow(
      expect.objectContaining({
        code: 'MONGO_STORAGE_INVALID_OPTIONS',
        message: expect.stringMatching(/w: 0/),
      }),
    );
    expect(() => new MongoStorage({ uri: 'mongodb://127.0.0.1:1/?w=0' })).toThrow(/acknowledged writes/);
    // An acknowledged concern in the options wins over the URI's.
    expect(
      () => new MongoStorage({ uri: 'mongodb://127.0.0.1:1/?w=0', writeConcern: { w: 1 } }),
    ).not.toThrow();
  });

  it('is durable: a tracker on it recovers only its unconfirmed journal tail', () => {
    const s = new MongoStorage({ uri: 'mongodb://127.0.0.1:1' });
    expect(s.capabilities).toEqual({ durable: true });
  });

  it('rejects a claims option other than true, false or auto', () => {
    expect(() => new MongoStorage({ uri: 'mongodb://127.0.0.1:1', claims: 'yes' as never })).toThrow(
      /claims/,
    );
  });

  it('operations after close reject with STORAGE_CLOSED without touching the server', async () => {
    const s = new MongoStorage({ uri: 'mongodb://127.0.0.1:1' });
    await s.close();
    await expect(s.get([])).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    await expect(s.merge([])).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
  });
});
