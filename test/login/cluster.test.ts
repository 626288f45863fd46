/**
 * The login starter on the project's own Redis Cluster (six local nodes,
 * started and stopped by this file): a user's sessions and their index
 * share one hash slot, so the store's MULTI transactions and the devices
 * page work; keys without the hash tag would not.
 *
 * Read with: chapters/17-login.md#store
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userTag } from '../../playground/login/session-store.js';
import { findFreeBasePort, LocalCluster, requireRedisBinaries } from '../support/cluster.js';
import { Browser, type Started, startApp } from './support.js';

const hasBinaries = await requireRedisBinaries();

describe.runIf(hasBinaries)('login starter on a Redis Cluster', () => {
  let cluster: LocalCluster;
  let client: Cluster;
  let app: Started;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: await findFreeBasePort(), fullCoverage: false });
    client = new Cluster(cluster.startupNodes);
    app = await startApp({}, client);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  it('every key of a user — sessions and index — hashes to one slot, chosen by the {tag}', async () => {
    const laptop = new Browser(app.url, 'Laptop/1.0');
    const phone = new Browser(app.url, 'Phone/2.0');
    await laptop.signIn();
    await phone.signIn();
    const keys = (await app.keys()).filter((k) => k.includes(`{${userTag('1')}}`));
    expect(keys).toHaveLength(3); // two sessions and the index
    const slots = new Set(await Promise.all(keys.map((k) => client.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);
    expect([...slots][0]).toBe(await client.cluster('KEYSLOT', userTag('1')));
  });

  it('the devices page, sign out one device and sign out everywhere work on the cluster', async () => {
    const laptop = new Browser(app.url, 'Laptop/1.0');
    const phone = new Browser(app.url, 'Phone/2.0');
    const tablet = new Browser(app.url, 'Tablet/3.0');
    for (const b of [laptop, phone, tablet]) await b.signIn('bob');
    const page = (await laptop.get('/devices')).body;
    for (const agent of ['Laptop/1.0', 'Phone/2.0', 'Tablet/3.0']) expect(page).toContain(agent);
    await laptop.submit('/devices', '/devices/revoke-all', {});
    for (const b of [laptop, phone, tablet]) {
      expect((await b.get('/')).location).toBe('/login?next=%2F');
    }
  });

  it("without the hash tag, one MULTI over a user's keys fails: CROSSSLOT", async () => {
    // The same two keys the store writes in one transaction, tag removed.
    const tx = client
      .multi()
      .set(`${app.config.prefix}s:x`, '1')
      .zadd(`${app.config.prefix}sessions`, 1, 'x');
    await expect(tx.exec()).rejects.toThrow(
      /CROSSSLOT|All keys in the pipeline should belong to the same slot/,
    );
  });
});
