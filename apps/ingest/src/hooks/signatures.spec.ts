import { createHmac } from 'node:crypto';
import type { SignatureScheme } from '@tocsin/contracts';
import type { IncomingHttpHeaders } from 'node:http';
import { verifySignature, type SignatureCheck } from './signatures';

const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!');
const NOW = new Date('2026-03-01T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

const hmac = (data: string | Buffer, secret = SECRET) =>
  createHmac('sha256', secret).update(data).digest('hex');

function check(
  scheme: SignatureScheme,
  headers: IncomingHttpHeaders,
  options: { secret?: string; body?: Buffer } = {},
): SignatureCheck {
  const secret = 'secret' in options ? options.secret : SECRET;
  return verifySignature({ scheme, secret, headers, body: options.body ?? BODY, now: NOW });
}

function failure(result: SignatureCheck): string | undefined {
  return result.ok ? undefined : result.failure;
}

describe('verifySignature', () => {
  describe('github', () => {
    it("accepts GitHub's documented example", () => {
      // docs.github.com "Validating webhook deliveries": this secret and payload give this signature.
      expect(
        check('github', {
          'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
        }),
      ).toEqual({ ok: true });
    });

    it('refuses a signature made with another secret', () => {
      const result = check('github', { 'x-hub-signature-256': `sha256=${hmac(BODY, 'other')}` });
      expect(failure(result)).toBe('mismatch');
    });

    it('refuses a signature of another body', () => {
      const result = check(
        'github',
        { 'x-hub-signature-256': `sha256=${hmac(BODY)}` },
        { body: Buffer.from('x') },
      );
      expect(failure(result)).toBe('mismatch');
    });

    it('says when the header is missing, without looking at the SHA-1 one', () => {
      const result = check('github', { 'x-hub-signature': `sha1=${'0'.repeat(40)}` });
      expect(failure(result)).toBe('missing');
      expect(result.ok ? '' : result.message).toMatch(/X-Hub-Signature-256 header is missing/);
    });

    it.each([
      ['no prefix', hmac(BODY)],
      ['sha1 prefix', `sha1=${hmac(BODY)}`],
      ['too short', `sha256=${hmac(BODY).slice(0, 10)}`],
      ['too long', `sha256=${hmac(BODY)}00`],
      ['not hex', `sha256=${'z'.repeat(64)}`],
    ])('calls a header with %s malformed, and does not throw', (_case, value) => {
      expect(failure(check('github', { 'x-hub-signature-256': value }))).toBe('malformed');
    });

    it('accepts upper-case hex', () => {
      expect(check('github', { 'x-hub-signature-256': `sha256=${hmac(BODY).toUpperCase()}` })).toEqual({
        ok: true,
      });
    });
  });

  describe('bitbucket', () => {
    it('accepts X-Hub-Signature: sha256=<hex>', () => {
      expect(check('bitbucket', { 'x-hub-signature': `sha256=${hmac(BODY)}` })).toEqual({ ok: true });
    });

    it('refuses a wrong or missing signature', () => {
      expect(failure(check('bitbucket', { 'x-hub-signature': `sha256=${hmac(BODY, 'x')}` }))).toBe(
        'mismatch',
      );
      expect(failure(check('bitbucket', { 'x-hub-signature-256': `sha256=${hmac(BODY)}` }))).toBe('missing');
    });
  });

  describe('buildkite', () => {
    const signed = (timestamp: number, secret = SECRET, body: string | Buffer = BODY) =>
      `timestamp=${timestamp},signature=${hmac(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]), secret)}`;

    it('accepts a fresh signature of timestamp and body', () => {
      expect(check('buildkite', { 'x-buildkite-signature': signed(NOW_S - 30) })).toEqual({ ok: true });
      expect(check('buildkite', { 'x-buildkite-signature': signed(NOW_S + 299) })).toEqual({ ok: true });
    });

    it('refuses a timestamp more than five minutes away, either way', () => {
      for (const ts of [NOW_S - 301, NOW_S + 301]) {
        const result = check('buildkite', { 'x-buildkite-signature': signed(ts) });
        expect(failure(result)).toBe('stale');
        expect(result.ok ? '' : result.message).toMatch(/5 minutes/);
      }
    });

    it('refuses another secret, another body, or a timestamp that was not signed', () => {
      expect(failure(check('buildkite', { 'x-buildkite-signature': signed(NOW_S, 'x') }))).toBe('mismatch');
      expect(failure(check('buildkite', { 'x-buildkite-signature': signed(NOW_S, SECRET, 'other') }))).toBe(
        'mismatch',
      );
      const moved = signed(NOW_S).replace(`timestamp=${NOW_S}`, `timestamp=${NOW_S + 1}`);
      expect(failure(check('buildkite', { 'x-buildkite-signature': moved }))).toBe('mismatch');
    });

    it.each([
      ['empty parts', ','],
      ['no signature', `timestamp=${NOW_S}`],
      ['no timestamp', `signature=${'0'.repeat(64)}`],
      ['a timestamp that is no number', `timestamp=now,signature=${'0'.repeat(64)}`],
      ['a short signature', `timestamp=${NOW_S},signature=abc`],
    ])('calls a header with %s malformed', (_case, value) => {
      expect(failure(check('buildkite', { 'x-buildkite-signature': value }))).toBe('malformed');
    });

    it('says when the header is missing', () => {
      expect(failure(check('buildkite', {}))).toBe('missing');
    });
  });

  describe.each([
    ['buildkite-token', 'x-buildkite-token'],
    ['gitlab-token', 'x-gitlab-token'],
  ] as const)('%s', (scheme, header) => {
    it('accepts the secret token', () => {
      expect(check(scheme, { [header]: SECRET })).toEqual({ ok: true });
    });

    it('refuses another token of any length without throwing', () => {
      for (const value of ['x', `${SECRET}x`, SECRET.slice(0, -1), 'y'.repeat(10_000)]) {
        expect(failure(check(scheme, { [header]: value }))).toBe('mismatch');
      }
    });

    it('says when the header is missing or empty', () => {
      expect(failure(check(scheme, {}))).toBe('missing');
      expect(failure(check(scheme, { [header]: '' }))).toBe('missing');
    });
  });

  it('refuses everything when the integration has a scheme but no secret', () => {
    expect(
      failure(check('github', { 'x-hub-signature-256': `sha256=${hmac(BODY)}` }, { secret: undefined })),
    ).toBe('unconfigured');
  });

  it('never puts the secret or the expected signature in its message', () => {
    const results = [
      check('github', { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }),
      check('bitbucket', { 'x-hub-signature': `sha256=${'0'.repeat(64)}` }),
      check('buildkite', { 'x-buildkite-signature': `timestamp=${NOW_S},signature=${'0'.repeat(64)}` }),
      check('gitlab-token', { 'x-gitlab-token': 'wrong' }),
      check('buildkite-token', { 'x-buildkite-token': 'wrong' }),
    ];
    for (const result of results) {
      expect(result.ok).toBe(false);
      const text = JSON.stringify(result);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(hmac(BODY));
      expect(text).not.toContain(hmac(`${NOW_S}.Hello, World!`));
    }
  });
});
