import { createTestInstallation, type TestInstallation } from '@tocsin/testing';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Client } from 'pg';
import { dropDatabase, ensureDatabase, Inbox, openDataSource, withDatabase } from '../src';

class CreateCounters1763700009100 implements MigrationInterface {
  name = 'CreateCounters1763700009100';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "probe"."counters" ("id" text PRIMARY KEY, "value" integer NOT NULL)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "probe"."counters"`);
  }
}

const options = { schema: 'probe', entities: [], migrations: [CreateCounters1763700009100] };

/** Messages known only by their ids. */
const ids = (...messageIds: string[]) => messageIds.map((messageId) => ({ messageId }));

describe('persistence against PostgreSQL', () => {
  let installation: TestInstallation;

  beforeAll(async () => {
    installation = await createTestInstallation('persistence');
  });
  afterAll(() => installation.cleanup());

  it('creates a missing database, and is unbothered when it exists', async () => {
    const url = withDatabase(
      installation.databaseUrl,
      `${new URL(installation.databaseUrl).pathname.slice(1)}_extra`,
    );
    await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
    await ensureDatabase(url);
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.end();
    await dropDatabase(url);
  });

  it('migrates once when replicas start together', async () => {
    const sources = await Promise.all([1, 2, 3].map(() => openDataSource(installation.databaseUrl, options)));
    const rows: { name: string }[] = await sources[0].query(
      `SELECT name FROM "probe"."migrations" ORDER BY id`,
    );
    expect(rows.map((r) => r.name)).toEqual(['CreateInbox1763700000000', 'CreateCounters1763700009100']);
    await Promise.all(sources.map((s) => s.destroy()));
  });

  describe('inbox', () => {
    it('applies a message once and hands the stored result to a redelivery', async () => {
      const ds = await openDataSource(installation.databaseUrl, options);
      const inbox = new Inbox(ds);
      let runs = 0;
      const work = async (em: import('typeorm').EntityManager) => {
        runs += 1;
        await em.query(
          `INSERT INTO "probe"."counters" VALUES ('a', 1) ON CONFLICT (id) DO UPDATE SET value = counters.value + 1`,
        );
        return { publish: ['opened'] };
      };
      await expect(inbox.applyOnce('c1', 'm1', work)).resolves.toEqual({
        applied: true,
        result: { publish: ['opened'] },
      });
      await expect(inbox.applyOnce('c1', 'm1', work)).resolves.toEqual({
        applied: false,
        result: { publish: ['opened'] },
      });
      // Another consumer applying the same message id is a different inbox entry.
      await expect(inbox.applyOnce('c2', 'm1', work)).resolves.toMatchObject({ applied: true });
      expect(runs).toBe(2);
      const [row] = await ds.query(`SELECT value FROM "probe"."counters" WHERE id = 'a'`);
      expect(row.value).toBe(2);
      await ds.destroy();
    });

    it('applies a message once when two replicas race for it', async () => {
      const [a, b] = await Promise.all([1, 2].map(() => openDataSource(installation.databaseUrl, options)));
      const results = await Promise.all(
        [a, b].flatMap((ds) =>
          Array.from({ length: 5 }, () =>
            new Inbox(ds).applyOnce('race', 'm-race', async (em) => {
              await em.query(
                `INSERT INTO "probe"."counters" VALUES ('race', 1) ON CONFLICT (id) DO UPDATE SET value = counters.value + 1`,
              );
              return 'done';
            }),
          ),
        ),
      );
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      expect(results.every((r) => r.result === 'done')).toBe(true);
      const [row] = await a.query(`SELECT value FROM "probe"."counters" WHERE id = 'race'`);
      expect(row.value).toBe(1);
      await Promise.all([a.destroy(), b.destroy()]);
    });

    it('rolls the inbox entry back with the work when the work fails', async () => {
      const ds = await openDataSource(installation.databaseUrl, options);
      const inbox = new Inbox(ds);
      await expect(inbox.applyOnce('c1', 'm-fail', () => Promise.reject(new Error('boom')))).rejects.toThrow(
        'boom',
      );
      await expect(inbox.applyOnce('c1', 'm-fail', () => Promise.resolve('second try'))).resolves.toEqual({
        applied: true,
        result: 'second try',
      });
      await ds.destroy();
    });

    it('applies a batch in one transaction, skipping what was applied before', async () => {
      const ds = await openDataSource(installation.databaseUrl, options);
      const inbox = new Inbox(ds);
      await inbox.applyOnce('batch', 'b2', () => Promise.resolve('b2 earlier'));
      const seen: string[][] = [];
      const batch = ['b1', 'b2', 'b3', 'b1'].map((messageId, n) => ({ messageId, n }));
      const results = await inbox.applyEachOnce('batch', batch, async (em, fresh) => {
        seen.push(fresh.map((item) => `${item.messageId}#${item.n}`));
        await em.query(`INSERT INTO "probe"."counters" VALUES ('batch', $1)`, [fresh.length]);
        return fresh.map((item) => `${item.messageId} at ${item.n}`);
      });
      expect(seen).toEqual([['b1#0', 'b3#2']]);
      expect(results).toEqual([
        { applied: true, result: 'b1 at 0' },
        { applied: false, result: 'b2 earlier' },
        { applied: true, result: 'b3 at 2' },
        { applied: false, result: 'b1 at 0' },
      ]);
      const again = await inbox.applyEachOnce('batch', ids('b3', 'b1'), () =>
        Promise.reject(new Error('no')),
      );
      expect(again).toEqual([
        { applied: false, result: 'b3 at 2' },
        { applied: false, result: 'b1 at 0' },
      ]);
      await ds.destroy();
    });

    it('keeps a null result without writing it, and hands it to a redelivery', async () => {
      const ds = await openDataSource(installation.databaseUrl, options);
      const inbox = new Inbox(ds);
      const first = await inbox.applyEachOnce('nulls', ids('n1', 'n2', 'n3'), (_em, fresh) =>
        Promise.resolve(fresh.map((item) => (item.messageId === 'n2' ? { paged: 'x' } : null))),
      );
      expect(first.map((r) => r.result)).toEqual([null, { paged: 'x' }, null]);
      const again = await inbox.applyEachOnce('nulls', ids('n1', 'n2', 'n3'), () =>
        Promise.reject(new Error('no')),
      );
      expect(again).toEqual([
        { applied: false, result: null },
        { applied: false, result: { paged: 'x' } },
        { applied: false, result: null },
      ]);
      await ds.destroy();
    });

    it('rolls a whole batch back when its work fails', async () => {
      const ds = await openDataSource(installation.databaseUrl, options);
      const inbox = new Inbox(ds);
      await expect(
        inbox.applyEachOnce('rollback', ids('r1', 'r2'), () => Promise.reject(new Error('boom'))),
      ).rejects.toThrow('boom');
      await expect(
        inbox.applyEachOnce('rollback', ids('r1', 'r2'), (_em, fresh) =>
          Promise.resolve(fresh.map(() => 'ok')),
        ),
      ).resolves.toEqual([
        { applied: true, result: 'ok' },
        { applied: true, result: 'ok' },
      ]);
      await ds.destroy();
    });
  });
});
