import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { PrivateNats, PrivatePostgres } from './private-servers';

describe('PrivateNats', () => {
  it('keeps its streams across a restart on the same port, and removes its store when disposed', async () => {
    const nats = await new PrivateNats().start();
    try {
      expect(nats.port).not.toBe(4222);
      const nc = await connect({ servers: nats.url });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'kept', subjects: ['kept.>'] });
      await nc.close();

      const port = nats.port;
      await nats.restart('SIGKILL');
      expect(nats.port).toBe(port);
      const again = await connect({ servers: nats.url });
      expect((await (await jetstreamManager(again)).streams.info('kept')).config.name).toBe('kept');
      await again.close();
    } finally {
      await nats.dispose();
    }
    expect(existsSync(nats.storeDir)).toBe(false);
  }, 60_000);
});

describe('PrivatePostgres', () => {
  it('keeps committed rows across an immediate restart, and removes its cluster when disposed', async () => {
    const pg = await new PrivatePostgres().start();
    try {
      expect(pg.port).not.toBe(5432);
      const client = new Client({ connectionString: `${pg.server}/postgres` });
      await client.connect();
      await client.query('CREATE TABLE kept (n int)');
      await client.query('INSERT INTO kept VALUES (42)');
      await client.end();

      await pg.restart('immediate');
      const again = new Client({ connectionString: `${pg.server}/postgres` });
      await again.connect();
      expect((await again.query('SELECT n FROM kept')).rows).toEqual([{ n: 42 }]);
      await again.end();
    } finally {
      await pg.dispose();
    }
    expect(existsSync(pg.dir)).toBe(false);
  }, 120_000);
});
