/**
 * Step redis-get — chapters/09-redis-store.md#get
 *
 * Against a real Redis (127.0.0.1:6379, see README "Services"). The checks
 * put records in with their own client, so only your `get` is judged.
 * Every key they touch starts with a prefix of their own and is deleted
 * afterwards.
 */
import { hasRedis } from '../../support/services.js';
import { redis } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { useRedis } from '../support/services.js';

const { RedisStore } = await redis();

describe.runIf(hasRedis)('RedisStore against a real Redis', () => {
  const { client, prefix } = useRedis();

  const store = (options: { sessionTtl?: number } = {}) =>
    new RedisStore({ client, prefix, ...options });

  describe('RedisStore.get', () => {
    it('get returns the session stored under prefix + id', async () => {
      await client.set(`${prefix}id-2`, '{"views":7}', 'PX', 60_000);
      expect(await store().get('id-2'), 'get("id-2")').toEqual({ views: 7 });
    });

    it('get of an unknown id is undefined', async () => {
      expect(await store().get('nobody')).toBeUndefined();
    });
    it('get treats text that is not a JSON object as no session', async () => {
      for (const [id, junk] of [
        ['junk-1', 'not json {'],
        ['junk-2', '42'],
        ['junk-3', 'null'],
      ] as const) {
        await client.set(`${prefix}${id}`, junk, 'PX', 60_000);
        expect(await store().get(id), `the text ${JSON.stringify(junk)}`).toBeUndefined();
      }
    });
  });
});
