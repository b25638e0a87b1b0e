import {
  ServiceFleet,
  createTestInstallation,
  expectEventually,
  type TestInstallation,
} from '@tocsin/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * MEMORY_SOFT_LIMIT_MIB as a service keeps it: normalize at rest takes well over 90 % of 64 MiB, so a
 * replica given that limit holds its heap from its first check on; a replica without it does not.
 */
describe('the soft memory limit in a running service', () => {
  let installation: TestInstallation;
  let fleet: ServiceFleet;

  beforeAll(async () => {
    installation = await createTestInstallation('memlimit');
    fleet = new ServiceFleet(
      {
        NATS_URL: installation.natsUrl,
        DATABASE_URL: installation.databaseUrl,
        TOCSIN_PREFIX: installation.prefix,
        LOG_LEVEL: 'info',
      },
      installation.prefix,
    );
    await fleet.start('normalize', { MEMORY_SOFT_LIMIT_MIB: '64' }, 0);
    await fleet.start('normalize', {}, 1);
  }, 120_000);

  afterAll(async () => {
    await fleet?.stopAll();
    await installation?.cleanup();
  }, 60_000);

  const metrics = async (replica: number): Promise<string> =>
    (await fetch(`${fleet.url('normalize', replica)}/metrics`)).text();

  it('holds the heap near the limit, and says so in its metrics and its log', async () => {
    await expectEventually(async () =>
      expect(await metrics(0)).toMatch(/^tocsin_memory_limit_holding\{service="normalize"\} 1$/m),
    );
    const log = readFileSync(join(fleet.logDir, 'normalize.log'), 'utf8');
    expect(log).toMatch(
      /resident memory \d+ MiB, near the soft limit of 64 MiB: the heap's growth is held to 20 %/,
    );
  });

  it('keeps no limit unless given one', async () => {
    const text = await metrics(1);
    expect(text).toMatch(/^process_resident_memory_bytes\{service="normalize"\} \d+/m);
    expect(text).not.toContain('tocsin_memory_limit_holding');
  });
});
