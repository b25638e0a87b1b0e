import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7: 48 bits of Unix milliseconds then random bits, so ids sort by creation
 * time (good for B-tree indexes and "newest first" paging) and stay unguessable.
 *
 * The 74 random bits come from a version 4 UUID (`randomUUID` draws from a cached pool of
 * cryptographic randomness, where `randomBytes(16)` asks the system for every id): its 12 bits
 * after the version digit and its 62 bits after the variant bits, which keep their place.
 */
export function uuidv7(now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}
