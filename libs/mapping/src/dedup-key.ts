import { createHash } from 'node:crypto';

/** The stable key of an event that names none: a hash of its integration and title. */
export function fallbackDedupKey(integrationId: string, title: string): string {
  return `auto:${createHash('sha256').update(`${integrationId}\n${title}`).digest('hex').slice(0, 32)}`;
}
