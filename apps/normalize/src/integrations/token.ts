import { createHash, randomBytes } from 'node:crypto';

/** A new integration token: 256 random bits, URL-safe. Shown once; only its hash is kept. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
