import { classifyAnswer, parseRetryAfter } from './provider-answer';

const NOW = Date.parse('2025-03-30T12:00:00Z');

describe('classifyAnswer', () => {
  it.each([200, 201, 202, 204, 299])('counts HTTP %i as delivered', (status) => {
    expect(classifyAnswer({ kind: 'http', status }, NOW)).toEqual({ outcome: 'delivered' });
  });

  it.each([408, 429, 500, 502, 503, 504, 599])('counts HTTP %i as transient', (status) => {
    expect(classifyAnswer({ kind: 'http', status }, NOW)).toEqual({
      outcome: 'transient',
      reason: `HTTP ${status}`,
    });
  });

  it.each([400, 401, 403, 405, 409, 413, 422, 499])('counts HTTP %i as permanent', (status) => {
    expect(classifyAnswer({ kind: 'http', status }, NOW)).toEqual({
      outcome: 'permanent',
      reason: `HTTP ${status}`,
    });
  });

  it('marks 404 and 410 as a gone address, redirects and odd statuses as permanent', () => {
    expect(classifyAnswer({ kind: 'http', status: 410 }, NOW)).toEqual({
      outcome: 'permanent',
      reason: 'HTTP 410: the address is gone',
      gone: true,
    });
    expect(classifyAnswer({ kind: 'http', status: 404 }, NOW)).toMatchObject({
      outcome: 'permanent',
      gone: true,
    });
    expect(classifyAnswer({ kind: 'http', status: 301 }, NOW)).toEqual({
      outcome: 'permanent',
      reason: 'HTTP 301: redirects are not followed',
    });
    expect(classifyAnswer({ kind: 'http', status: 101 }, NOW)).toMatchObject({ outcome: 'permanent' });
    expect(classifyAnswer({ kind: 'http', status: 600 }, NOW)).toEqual({
      outcome: 'permanent',
      reason: 'HTTP 600: not a status code',
    });
  });

  it('carries the wait a 429 or 503 asks for', () => {
    expect(classifyAnswer({ kind: 'http', status: 429, retryAfter: '120' }, NOW)).toEqual({
      outcome: 'transient',
      reason: 'HTTP 429',
      retryAfterMs: 120_000,
    });
    expect(
      classifyAnswer({ kind: 'http', status: 503, retryAfter: 'Sun, 30 Mar 2025 12:01:30 GMT' }, NOW),
    ).toMatchObject({ retryAfterMs: 90_000 });
    expect(classifyAnswer({ kind: 'http', status: 503, retryAfter: 'soon' }, NOW)).toEqual({
      outcome: 'transient',
      reason: 'HTTP 503',
    });
  });

  it('counts timeouts and network errors as transient, certificate errors as permanent', () => {
    expect(classifyAnswer({ kind: 'timeout' }, NOW)).toMatchObject({ outcome: 'transient' });
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', undefined]) {
      expect(classifyAnswer({ kind: 'network', code }, NOW)).toMatchObject({ outcome: 'transient' });
    }
    expect(classifyAnswer({ kind: 'network', code: 'CERT_HAS_EXPIRED' }, NOW)).toEqual({
      outcome: 'permanent',
      reason: "the provider's TLS certificate is refused (CERT_HAS_EXPIRED)",
    });
  });

  it('reads SMTP replies: 2xx delivered, 4xx transient, 5xx permanent', () => {
    expect(classifyAnswer({ kind: 'smtp', code: 250 }, NOW)).toEqual({ outcome: 'delivered' });
    expect(classifyAnswer({ kind: 'smtp', code: 421 }, NOW)).toMatchObject({ outcome: 'transient' });
    expect(classifyAnswer({ kind: 'smtp', code: 450 }, NOW)).toMatchObject({ outcome: 'transient' });
    expect(classifyAnswer({ kind: 'smtp', code: 550 }, NOW)).toEqual({
      outcome: 'permanent',
      reason: 'SMTP 550: refused',
    });
    expect(classifyAnswer({ kind: 'smtp', code: 999 }, NOW)).toMatchObject({ outcome: 'permanent' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 30 ', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sun, 30 Mar 2025 11:00:00 GMT', NOW)).toBe(0);
    for (const bad of ['-5', '1.5', '', 'tomorrow', '2025-03-30T12:01:00Z', '99999999999']) {
      expect(parseRetryAfter(bad, NOW)).toBeNull();
    }
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });
});
