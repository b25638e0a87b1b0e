import type { SignatureScheme } from '@tocsin/contracts';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** How far a Buildkite signature's timestamp may be from the server clock, either way. */
export const BUILDKITE_TOLERANCE_MS = 5 * 60 * 1000;

/** What was wrong with a request's signature: logged, and named in the 401 body. */
export type SignatureFailure = 'unconfigured' | 'missing' | 'malformed' | 'mismatch' | 'stale';

export type SignatureCheck =
  { ok: true } | { ok: false; failure: SignatureFailure; header: string; message: string };

export interface SignedRequest {
  scheme: SignatureScheme;
  /** The integration's signing secret; a scheme without one refuses every request. */
  secret: string | undefined;
  headers: IncomingHttpHeaders;
  /** The body exactly as received: signatures cover bytes, not the parsed JSON. */
  body: Buffer;
  now: Date;
}

/** The header each scheme reads, as producers spell it (Node gives it to us in lower case). */
export const SIGNATURE_HEADERS: Record<SignatureScheme, string> = {
  github: 'X-Hub-Signature-256',
  bitbucket: 'X-Hub-Signature',
  buildkite: 'X-Buildkite-Signature',
  'buildkite-token': 'X-Buildkite-Token',
  'gitlab-token': 'X-Gitlab-Token',
};

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Checks that a webhook comes from the producer that shares the integration's secret. Every
 * comparison is constant-time over equal-length buffers; nothing here reveals the expected value.
 */
export function verifySignature(request: SignedRequest): SignatureCheck {
  const header = SIGNATURE_HEADERS[request.scheme];
  if (!request.secret) {
    return refuse(
      'unconfigured',
      header,
      'the integration requires signed webhooks but has no signing secret',
    );
  }
  const value = request.headers[header.toLowerCase()];
  if (value === undefined || value === '') {
    return refuse('missing', header, `the ${header} header is missing; this integration requires it`);
  }
  if (typeof value !== 'string') {
    return refuse('malformed', header, `the ${header} header is malformed: it was sent more than once`);
  }
  switch (request.scheme) {
    case 'github':
    case 'bitbucket':
      return checkPrefixedHmac(header, value, request.secret, request.body);
    case 'buildkite':
      return checkBuildkite(header, value, request.secret, request.body, request.now);
    case 'buildkite-token':
    case 'gitlab-token':
      return sameSecret(value, request.secret)
        ? { ok: true }
        : refuse('mismatch', header, `the ${header} header does not match the integration's secret token`);
  }
}

/** GitHub and Bitbucket Cloud: `sha256=<hex HMAC-SHA256(secret, body)>`. */
function checkPrefixedHmac(header: string, value: string, secret: string, body: Buffer): SignatureCheck {
  const hex = value.startsWith('sha256=') ? value.slice('sha256='.length) : undefined;
  if (hex === undefined || !HEX_SHA256.test(hex)) {
    return refuse(
      'malformed',
      header,
      `the ${header} header is malformed: expected "sha256=" and 64 hex digits`,
    );
  }
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'))
    ? { ok: true }
    : refuse('mismatch', header, `the ${header} signature does not match the body; check the webhook secret`);
}

/** Buildkite: `timestamp=<unix seconds>,signature=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
function checkBuildkite(
  header: string,
  value: string,
  secret: string,
  body: Buffer,
  now: Date,
): SignatureCheck {
  const parts = new Map<string, string>();
  for (const part of value.split(',')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const timestamp = parts.get('timestamp');
  const hex = parts.get('signature');
  if (
    timestamp === undefined ||
    !/^\d{1,12}$/.test(timestamp) ||
    hex === undefined ||
    !HEX_SHA256.test(hex)
  ) {
    return refuse(
      'malformed',
      header,
      `the ${header} header is malformed: expected "timestamp=<unix seconds>,signature=<64 hex digits>"`,
    );
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(hex, 'hex'))) {
    return refuse(
      'mismatch',
      header,
      `the ${header} signature does not match the body; check the webhook token`,
    );
  }
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > BUILDKITE_TOLERANCE_MS) {
    return refuse(
      'stale',
      header,
      `the ${header} timestamp is more than ${BUILDKITE_TOLERANCE_MS / 60_000} minutes away from the server clock; a replayed or delayed delivery is refused`,
    );
  }
  return { ok: true };
}

/** Compares digests, so the two buffers always have the same length whatever was sent. */
function sameSecret(provided: string, secret: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(provided), digest(secret));
}

function refuse(failure: SignatureFailure, header: string, message: string): SignatureCheck {
  return { ok: false, failure, header, message };
}
