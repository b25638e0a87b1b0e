import { domainToASCII } from 'node:url';

/*
 * The addresses people give for being paged, checked before they are stored. Each check answers the
 * value to store (normalized where there is one spelling that means the same) or the reason it is refused.
 * These checks are about form; whether an address works is learnt by sending to it.
 */

export const CONTACT_CHANNELS = ['email', 'sms', 'voice', 'push', 'webhook', 'slack'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A Web Push subscription as `PushSubscription.toJSON()` gives it in the browser. */
export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  expirationTime?: number | null;
}

export type ContactAddress =
  | { channel: 'email'; address: string }
  | { channel: 'sms' | 'voice'; number: string }
  | { channel: 'push'; subscription: PushSubscription }
  | { channel: 'webhook' | 'slack'; url: string };

const MAX_URL = 2048;

/**
 * Checks the address of a contact method for its channel: an email address, an E.164 number for SMS
 * and voice, a Web Push subscription, a webhook URL or a Slack incoming-webhook URL.
 */
export function validateContactAddress(channel: unknown, address: unknown): Validated<ContactAddress> {
  switch (channel) {
    case 'email':
      return map(validateEmail(address), (value) => ({ channel, address: value }));
    case 'sms':
    case 'voice':
      return map(validatePhoneNumber(address), (value) => ({ channel, number: value }));
    case 'push':
      return map(validatePushSubscription(address), (value) => ({ channel, subscription: value }));
    case 'webhook':
      return map(validateWebhookUrl(address), (value) => ({ channel, url: value }));
    case 'slack':
      return map(validateSlackWebhookUrl(address), (value) => ({ channel, url: value }));
    default:
      return refuse(`unknown channel; one of ${CONTACT_CHANNELS.join(', ')}`);
  }
}

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;

/**
 * Checks an email address: a dot-atom before the @ (ASCII, at most 64 octets; quoted forms are not
 * accepted) and a host name after it (at least two labels; international names are stored in their
 * ASCII form). Answers the address with its domain in lower case.
 */
export function validateEmail(input: unknown): Validated<string> {
  if (typeof input !== 'string' || input.length === 0)
    return refuse('an email address is a non-empty string');
  if (input.length > 254) return refuse('an email address has at most 254 characters');
  if (/\s/.test(input)) return refuse('an email address has no spaces');
  const at = input.lastIndexOf('@');
  if (at < 0) return refuse('an email address needs an @');
  const local = input.slice(0, at);
  const domain = input.slice(at + 1);
  if (local.length === 0) return refuse('nothing before the @');
  if (local.includes('@') || local.includes('"')) return refuse('quoted local parts are not accepted');
  if (local.length > 64) return refuse('at most 64 characters before the @');
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return refuse('dots before the @ separate words: not first, last, or twice in a row');
  }
  if (!local.split('.').every((word) => ATEXT.test(word))) {
    return refuse("before the @: letters, digits and !#$%&'*+/=?^_`{|}~- only (ASCII)");
  }
  if (domain.length === 0) return refuse('nothing after the @');
  if (domain.startsWith('['))
    return refuse('address literals ([192.0.2.1]) are not accepted; use a host name');
  const host = checkHostName(domain);
  if (!host.ok) return host;
  if (!host.value.includes('.')) return refuse('the domain needs a dot, as in example.com');
  return { ok: true, value: `${local}@${host.value}` };
}

/**
 * Checks a phone number for SMS and voice in E.164 form: `+`, a country code that does not start
 * with 0, and the number, 7 to 15 digits in all, nothing else (`+14155550100`).
 */
export function validatePhoneNumber(input: unknown): Validated<string> {
  if (typeof input !== 'string' || input.length === 0) return refuse('a phone number is a non-empty string');
  if (!input.startsWith('+'))
    return refuse('an E.164 number starts with + and the country code, as in +14155550100');
  const digits = input.slice(1);
  if (!/^\d+$/.test(digits)) return refuse('only digits after the +: no spaces, dashes, dots or parentheses');
  if (digits.startsWith('0')) return refuse('country codes do not start with 0');
  if (digits.length < 7) return refuse('too short for an E.164 number: at least 7 digits after the +');
  if (digits.length > 15) return refuse('too long for an E.164 number: at most 15 digits after the +');
  return { ok: true, value: input };
}

/**
 * Checks a Web Push subscription: an https endpoint, and the keys as base64url (RFC 4648 §5, padding
 * optional): `p256dh` an uncompressed P-256 point (65 octets, starting 0x04), `auth` 16 octets.
 */
export function validatePushSubscription(input: unknown): Validated<PushSubscription> {
  if (!isRecord(input)) return refuse('a push subscription is an object with endpoint and keys');
  const extra = Object.keys(input).filter((k) => !['endpoint', 'keys', 'expirationTime'].includes(k));
  if (extra.length > 0) return refuse(`unknown field ${JSON.stringify(extra[0])} in the push subscription`);
  const endpoint = checkUrl(input.endpoint, 'the push endpoint', ['https:']);
  if (!endpoint.ok) return endpoint;
  if (!isRecord(input.keys)) return refuse('the push subscription needs keys: p256dh and auth');
  const p256dh = base64url(input.keys.p256dh, 'keys.p256dh', 65);
  if (!p256dh.ok) return p256dh;
  if (p256dh.value[0] !== 0x04)
    return refuse('keys.p256dh is not an uncompressed P-256 point (it starts with 0x04)');
  const auth = base64url(input.keys.auth, 'keys.auth', 16);
  if (!auth.ok) return auth;
  const expiration = input.expirationTime;
  if (
    expiration !== undefined &&
    expiration !== null &&
    !(typeof expiration === 'number' && Number.isFinite(expiration))
  ) {
    return refuse('expirationTime is a number of milliseconds, or null');
  }
  return {
    ok: true,
    value: {
      endpoint: endpoint.value,
      keys: { p256dh: input.keys.p256dh as string, auth: input.keys.auth as string },
      ...(expiration === undefined ? {} : { expirationTime: expiration }),
    },
  };
}

/** Checks an outgoing webhook URL: http or https, a host, no user name or password, no fragment. */
export function validateWebhookUrl(input: unknown): Validated<string> {
  return checkUrl(input, 'a webhook URL', ['http:', 'https:'], '; outgoing webhooks are signed instead');
}

/**
 * Checks a Slack incoming-webhook URL: `https://hooks.slack.com/services/T…/B…/…` (or the same on
 * hooks.slack-gov.com), nothing more.
 */
export function validateSlackWebhookUrl(input: unknown): Validated<string> {
  const url = checkUrl(input, 'a Slack webhook URL', ['https:']);
  if (!url.ok) return url;
  const parsed = new URL(url.value);
  if (parsed.hostname !== 'hooks.slack.com' && parsed.hostname !== 'hooks.slack-gov.com') {
    return refuse('a Slack incoming-webhook URL is on hooks.slack.com');
  }
  if (parsed.port !== '' || parsed.search !== '')
    return refuse('a Slack incoming-webhook URL has no port or query');
  if (!/^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/.test(parsed.pathname)) {
    return refuse('a Slack incoming-webhook URL looks like https://hooks.slack.com/services/T…/B…/…');
  }
  return url;
}

function checkUrl(
  input: unknown,
  what: string,
  protocols: string[],
  credentialsHint = '',
): Validated<string> {
  if (typeof input !== 'string' || input.length === 0) return refuse(`${what} is a non-empty string`);
  if (input.length > MAX_URL) return refuse(`${what} has at most ${MAX_URL} characters`);
  if (/[\s\p{Cc}]/u.test(input)) return refuse(`${what} has no spaces or control characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch (_) {
    return refuse(`${what} is not an absolute URL`);
  }
  if (!protocols.includes(url.protocol)) {
    return refuse(`${what} starts with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse(`${what} carries no user name or password${credentialsHint}`);
  }
  if (url.hostname === '') return refuse(`${what} needs a host`);
  if (url.hash !== '' || input.includes('#')) return refuse(`${what} has no fragment (#…): it is never sent`);
  return { ok: true, value: url.href };
}

function checkHostName(text: string): Validated<string> {
  const ascii = domainToASCII(text).toLowerCase();
  if (ascii === '') return refuse('the domain is not a valid host name');
  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (name.length > 253) return refuse('the domain has at most 253 characters');
  const labels = name.split('.');
  for (const label of labels) {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) {
      return refuse(`${JSON.stringify(label)} is not a valid part of a host name`);
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return refuse('the domain is a host name, not an IP address');
  return { ok: true, value: name };
}

function base64url(input: unknown, name: string, octets: number): Validated<Buffer> {
  if (typeof input !== 'string' || input.length === 0)
    return refuse(`${name} is a non-empty base64url string`);
  const unpadded = input.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9_-]+$/.test(unpadded)) {
    return refuse(`${name} is base64url: letters, digits, - and _ (not + or /)`);
  }
  const decoded = Buffer.from(unpadded, 'base64url');
  // Re-encoding catches lengths and trailing bits that no encoder writes.
  const padded = unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
  if (decoded.toString('base64url') !== unpadded || (input !== unpadded && input !== padded)) {
    return refuse(`${name} is not well-formed base64url`);
  }
  if (decoded.length !== octets)
    return refuse(`${name} decodes to ${decoded.length} octets; it must be ${octets}`);
  return { ok: true, value: decoded };
}

function map<T, U>(checked: Validated<T>, f: (value: T) => U): Validated<U> {
  return checked.ok ? { ok: true, value: f(checked.value) } : checked;
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
