import { createHash, randomBytes } from 'node:crypto';

/** A schedule's feed token: 256 random bits, URL-safe. Shown once; only its hash is kept. */
export function newFeedToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
