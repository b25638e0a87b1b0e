import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS } from '@tocsin/contracts';
import { deleteInstallationStreams, expectEventually, TEST_NATS_URL } from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import { randomBytes } from 'node:crypto';
import {
  connectNats,
  JetStreamProvisioner,
  Naming,
  PartitionLeases,
  type Lease,
  type LeaseTiming,
} from '../src';

/** Short enough that a test sees leases expire; the services use LEASE_TIMING. */
const TIMING: LeaseTiming = { ttlMs: 2_000, renewEveryMs: 300 };
const PARTITIONS = 12;

/** One replica's view: the partitions it was told it holds, and what it was told when. */
class Replica {
  readonly holding = new Set<number>();
  readonly lost: number[] = [];
  readonly released: number[] = [];
  leases!: PartitionLeases;

  constructor(
    readonly name: string,
    readonly nc: NatsConnection,
  ) {}

  holder = {
    acquired: (lease: Lease) => {
      expect(this.holding.has(lease.partition)).toBe(false);
      this.holding.add(lease.partition);
    },
    release: async (partition: number) => {
      await sleep(20);
      this.holding.delete(partition);
      this.released.push(partition);
    },
    lost: (partition: number) => {
      this.holding.delete(partition);
      this.lost.push(partition);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('partition leases in NATS KV', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const naming = new Naming(prefix);
  const replicas: Replica[] = [];
  let kv: KV;

  async function startReplica(name: string): Promise<Replica> {
    const nc = await connectNats({ servers: TEST_NATS_URL, prefix, service: name, streamReplicas: 1 });
    const replica = new Replica(name, nc);
    const bucket = await new JetStreamProvisioner(nc, naming, 1).ensureKv(KV_BUCKETS.leases, {
      ttlMs: TIMING.ttlMs,
    });
    replica.leases = new PartitionLeases(
      bucket,
      'probe',
      PARTITIONS,
      name,
      replica.holder,
      new PinoLogger({ pinoHttp: { level: 'silent' } }),
      TIMING,
    );
    await replica.leases.start();
    replicas.push(replica);
    return replica;
  }

  /** No partition is held by two replicas, as each replica was told. */
  const expectExclusive = () => {
    const owners = new Map<number, string>();
    for (const r of replicas) {
      for (const p of r.holding) {
        expect(owners.get(p)).toBeUndefined();
        owners.set(p, r.name);
      }
    }
  };

  beforeAll(async () => {
    const probe = await connectNats({ servers: TEST_NATS_URL, prefix, service: 'probe', streamReplicas: 1 });
    await new JetStreamProvisioner(probe, naming, 1).ensureKv(KV_BUCKETS.leases, { ttlMs: TIMING.ttlMs });
    kv = await new Kvm(probe).open(naming.bucket(KV_BUCKETS.leases));
    replicas.push(new Replica('probe', probe));
  });

  afterAll(async () => {
    for (const r of replicas) {
      await r.leases?.stop().catch(() => undefined);
      await r.nc.drain().catch(() => undefined);
    }
    await deleteInstallationStreams(prefix);
  }, 30_000);

  it('gives a lone replica every partition, then shares them fairly with a second one', async () => {
    const a = await startReplica('a');
    await expectEventually(() => expect(a.holding.size).toBe(PARTITIONS), { timeoutMs: 5_000 });
    const b = await startReplica('b');
    await expectEventually(
      () => {
        expect(a.holding.size).toBe(PARTITIONS / 2);
        expect(b.holding.size).toBe(PARTITIONS / 2);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expectExclusive();
    // a gave its extra partitions back cleanly, and lost none.
    expect(a.released).toHaveLength(PARTITIONS / 2);
    expect(a.lost).toEqual([]);
    // The KV agrees with what each replica was told.
    for (const r of [a, b]) {
      for (const p of r.holding) expect((await kv.get(`l.probe.${p}`))?.string()).toBe(r.name);
    }
  }, 20_000);

  it('hands the partitions of a replica that vanished to the others once its leases expire', async () => {
    const [, a, b] = replicas;
    const orphaned = [...b.holding];
    // b stops renewing without giving anything back, as a killed process does.
    await b.nc.close();
    await expectEventually(() => expect(a.holding.size).toBe(PARTITIONS), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    for (const p of orphaned) expect((await kv.get(`l.probe.${p}`))?.string()).toBe('a');
    // b, cut off, noticed its leases run out and was told to stop.
    expect([...b.lost].sort((x, y) => x - y)).toEqual(orphaned.sort((x, y) => x - y));
    expect(b.holding.size).toBe(0);
  }, 20_000);

  it('tells a holder at once when another replica took its lease', async () => {
    const [, a] = replicas;
    const partition = [...a.holding][0];
    // The lease changes hands behind a's back (as after a pause longer than the TTL).
    await kv.put(`l.probe.${partition}`, 'intruder');
    await expectEventually(() => expect(a.lost).toContain(partition), { timeoutMs: 5_000, intervalMs: 50 });
    expect(a.holding.has(partition)).toBe(false);
  }, 10_000);

  it('gives every lease back when stopped, so another replica takes them at once', async () => {
    const [, a] = replicas;
    const c = await startReplica('c');
    await expectEventually(() => expect(c.holding.size).toBeGreaterThan(0), { timeoutMs: 5_000 });
    const startedAt = Date.now();
    await a.leases.stop();
    expect(a.holding.size).toBe(0);
    await expectEventually(() => expect(c.holding.size).toBe(PARTITIONS), {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    // Well within the TTL: c did not wait for a's leases to expire.
    expect(Date.now() - startedAt).toBeLessThan(TIMING.ttlMs);
  }, 15_000);
});
