import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { outcomesCarried, type EventNormalizedV1, type HookOutcomeV1 } from '@tocsin/contracts';
import type { Naming } from '@tocsin/messaging';
import type { Client } from 'pg';
import { applyEvent, type IncidentState } from '../../apps/incident-state/src/incidents/incident-machine';
import { toPolicy } from '../../apps/incident-state/src/incidents/incidents.service';

/** Every envelope on a stream, in stream order. */
async function streamEnvelopes(
  nc: NatsConnection,
  stream: string,
): Promise<{ type?: string; payload: Record<string, unknown> }[]> {
  const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const total = (await consumer.info(true)).num_pending;
  const out: { type?: string; payload: Record<string, unknown> }[] = [];
  try {
    while (out.length < total) {
      const batch = await consumer.fetch({
        max_messages: Math.min(total - out.length, 10_000),
        expires: 10_000,
      });
      let got = 0;
      for await (const message of batch) {
        out.push(message.json());
        got += 1;
        if (out.length >= total) break;
      }
      if (got === 0)
        throw new Error(`read ${out.length} of ${total} messages of ${stream}, then nothing more`);
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return out;
}

/** Every payload on a stream, in stream order. */
export async function streamMessages(nc: NatsConnection, stream: string): Promise<Record<string, unknown>[]> {
  return (await streamEnvelopes(nc, stream)).map((envelope) => envelope.payload);
}

/**
 * The outcomes the outcomes stream holds, in stream order (a `hook.outcomes` message carries a
 * transaction's outcomes of one integration). An outcome published again by a retry appears again.
 */
export async function streamOutcomes(nc: NatsConnection, stream: string): Promise<HookOutcomeV1[]> {
  return (await streamEnvelopes(nc, stream)).flatMap(outcomesCarried);
}

/** What replaying one key's events one by one gives: how many incidents, and the last one's state. */
export interface ReplayedKey {
  incidents: number;
  state: IncidentState | null;
}

/** An incident key as the replay and the comparison name it: `<integration id>/<group key>`. */
function incidentKey(integrationId: string, groupKey: string): string {
  return `${integrationId}/${groupKey}`;
}

/**
 * The incidents of each key (integration and group key, else dedup key) after applying `events` in
 * this order.
 */
export function replayEvents(events: readonly EventNormalizedV1[]): Map<string, ReplayedKey> {
  const expected = new Map<string, ReplayedKey>();
  for (const e of events) {
    const key = incidentKey(e.integrationId, e.groupKey ?? e.dedupKey);
    const entry = expected.get(key) ?? { incidents: 0, state: null };
    const step = applyEvent(
      entry.state,
      { action: e.action, dedupKey: e.dedupKey, at: Date.parse(e.receivedAt) },
      toPolicy(e.policy),
    );
    if (step.target === 'new') entry.incidents += 1;
    if (step.target !== 'none') entry.state = step.next;
    expected.set(key, entry);
  }
  return expected;
}

/**
 * Compares incident_state.incidents with a sequential replay of the events: per key, the number of
 * incidents, and the status and alert count of the last one. Answers one line per key that differs.
 */
export async function replayMismatches(
  pg: Pick<Client, 'query'>,
  events: readonly EventNormalizedV1[],
): Promise<string[]> {
  const expected = replayEvents(events);
  const { rows } = await pg.query<{
    integration_id: string;
    group_key: string;
    incidents: string;
    last_status: string | null;
    last_count: number | null;
  }>(`
    SELECT integration_id, group_key, count(*) AS incidents,
           (array_agg(status ORDER BY number DESC))[1] AS last_status,
           (array_agg(alert_count ORDER BY number DESC))[1] AS last_count
    FROM incident_state.incidents GROUP BY integration_id, group_key`);
  const actual = new Map(rows.map((r) => [incidentKey(r.integration_id, r.group_key), r]));
  const mismatches: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    const wantStatus = want.state?.status ?? null;
    const wantCount = want.state?.alerts.reduce((sum, a) => sum + a.count, 0) ?? null;
    if (
      Number(got?.incidents ?? 0) !== want.incidents ||
      (got?.last_status ?? null) !== wantStatus ||
      (got?.last_count ?? null) !== wantCount
    ) {
      mismatches.push(
        `${key}: want ${want.incidents}/${wantStatus}/${wantCount}, got ${JSON.stringify(got)}`,
      );
    }
  }
  for (const key of actual.keys()) {
    if (!expected.has(key))
      mismatches.push(`${key}: no event has this key, got ${JSON.stringify(actual.get(key))}`);
  }
  return mismatches;
}

/** Messages waiting or in flight on every durable consumer of an installation's streams. */
export async function unsettledMessages(nc: NatsConnection, naming: Naming): Promise<Record<string, number>> {
  const jsm = await jetstreamManager(nc);
  const streams: string[] = [];
  for await (const name of jsm.streams.names()) if (name.startsWith(`${naming.prefix}-`)) streams.push(name);
  const busy: Record<string, number> = {};
  for (const stream of streams) {
    for await (const info of jsm.consumers.list(stream)) {
      if (!info.config.durable_name) continue;
      const waiting = info.num_pending + info.num_ack_pending;
      if (waiting > 0) busy[info.name] = waiting;
    }
  }
  return busy;
}
