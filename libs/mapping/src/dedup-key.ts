import { createHash } from 'node:crypto';
import { MAPPING_LIMITS } from './mapping.constants';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The stable key of an event that names none: a hash of its integration and title. */
export function fallbackDedupKey(integrationId: string, title: string): string {
  return `auto:${sha256(`${integrationId}\n${title}`).slice(0, 32)}`;
}

/**
 * A dedup (or group) key fitted to MAPPING_LIMITS.dedupKey (1024) characters. A longer key keeps its first 959
 * characters, then `#` and the SHA-256 (hex) of the whole key: still readable, still stable, and two
 * long keys sharing a prefix stay apart.
 */
export function fitDedupKey(key: string): string {
  const max = MAPPING_LIMITS.dedupKey;
  if (key.length <= max) return key;
  let end = max - 65;
  const last = key.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${key.slice(0, end)}#${sha256(key)}`;
}
