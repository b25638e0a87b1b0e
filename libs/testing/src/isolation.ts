import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { dropDatabase, ensureDatabase } from '@tocsin/persistence';
import { randomBytes } from 'node:crypto';
import { TEST_DATABASE_SERVER, TEST_NATS_URL } from './backbone';

/**
 * One isolated installation for a test file: its own subject prefix (so streams, consumers and
 * buckets are its own) and its own database. `cleanup()` removes both.
 */
export interface TestInstallation {
  prefix: string;
  databaseUrl: string;
  natsUrl: string;
  cleanup(): Promise<void>;
}

/** Where an installation lives: the shared test servers unless a test brings its own. */
export interface TestServers {
  natsUrl: string;
  /** A postgres:// URL without a database. */
  databaseServer: string;
}

export async function createTestInstallation(
  tag: string,
  servers: TestServers = { natsUrl: TEST_NATS_URL, databaseServer: TEST_DATABASE_SERVER },
): Promise<TestInstallation> {
  const id = randomBytes(4).toString('hex');
  const prefix = `t${id}`;
  const databaseUrl = `${servers.databaseServer}/tocsin_test_${tag.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${id}`;
  await ensureDatabase(databaseUrl);
  return {
    prefix,
    databaseUrl,
    natsUrl: servers.natsUrl,
    cleanup: async () => {
      await deleteInstallationStreams(prefix, servers.natsUrl);
      await dropDatabase(databaseUrl);
    },
  };
}

/** Deletes every stream (and KV bucket) whose name carries the prefix. */
export async function deleteInstallationStreams(prefix: string, natsUrl = TEST_NATS_URL): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    for (const name of names) {
      if (name.startsWith(`${prefix}-`) || name.startsWith(`KV_${prefix}-`)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
