import { createHash } from 'node:crypto';
import { EVENT_PARTITIONS } from './names';

/**
 * The partition of an incident key: the events of one key (integration and group key, or dedup
 * key) always share one, and so are applied one after another in stream order.
 */
export function eventPartition(integrationId: string, incidentKey: string): number {
  return (
    createHash('sha256').update(`${integrationId}\n${incidentKey}`).digest().readUInt32BE(0) %
    EVENT_PARTITIONS
  );
}
