/*
 * What a provider's answer means for a delivery: delivered, worth another attempt (transient), or not
 * (permanent). HTTP 2xx is delivered; 408, 429 and 5xx are transient, as are timeouts and network
 * errors; every other 4xx is permanent, and so are redirects (they are not followed) and certificate
 * errors (retrying does not fix them). SMTP replies: 2xx delivered, 4xx transient, 5xx permanent.
 */

export type ProviderAnswer =
  | { kind: 'http'; status: number; retryAfter?: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; code?: string }
  | { kind: 'smtp'; code: number };

export type Verdict =
  | { outcome: 'delivered' }
  /** `retryAfterMs`: how long the provider asked to wait, when it said. */
  | { outcome: 'transient'; reason: string; retryAfterMs?: number }
  /** `gone`: the address no longer exists (HTTP 404 or 410), so the contact method should be disabled. */
  | { outcome: 'permanent'; reason: string; gone?: true };

const CERTIFICATE_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** Classifies a provider's answer; `now` (ms) reads a Retry-After given as a date. */
export function classifyAnswer(answer: ProviderAnswer, now: number): Verdict {
  switch (answer.kind) {
    case 'timeout':
      return { outcome: 'transient', reason: 'the provider did not answer in time' };
    case 'network': {
      const code = answer.code ?? 'unknown';
      if (CERTIFICATE_ERRORS.has(code)) {
        return { outcome: 'permanent', reason: `the provider's TLS certificate is refused (${code})` };
      }
      return { outcome: 'transient', reason: `network error (${code})` };
    }
    case 'smtp': {
      const { code } = answer;
      if (code >= 200 && code < 300) return { outcome: 'delivered' };
      if (code >= 400 && code < 500) return { outcome: 'transient', reason: `SMTP ${code}: try again later` };
      if (code >= 500 && code < 600) return { outcome: 'permanent', reason: `SMTP ${code}: refused` };
      return { outcome: 'permanent', reason: `SMTP ${code}: not a reply code` };
    }
    case 'http': {
      const { status } = answer;
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        return { outcome: 'permanent', reason: `HTTP ${status}: not a status code` };
      }
      if (status >= 200 && status < 300) return { outcome: 'delivered' };
      if (status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
        return {
          outcome: 'transient',
          reason: `HTTP ${status}`,
          ...(retryAfterMs === null ? {} : { retryAfterMs }),
        };
      }
      if (status === 404 || status === 410) {
        return { outcome: 'permanent', reason: `HTTP ${status}: the address is gone`, gone: true };
      }
      if (status >= 400) return { outcome: 'permanent', reason: `HTTP ${status}` };
      if (status >= 300)
        return { outcome: 'permanent', reason: `HTTP ${status}: redirects are not followed` };
      return { outcome: 'permanent', reason: `HTTP ${status}: no final answer` };
    }
  }
}

/**
 * Reads a Retry-After header (RFC 9110 10.2.3): a number of seconds, or an HTTP date. Answers the wait
 * in milliseconds (0 for a date in the past), or null when there is none or it cannot be read.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === undefined || value === null) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // IMF-fixdate, the form senders must use: Sun, 06 Nov 1994 08:49:37 GMT
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return null;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
