import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  validateContactAddress,
  validateEmail,
  validatePhoneNumber,
  validatePushSubscription,
  validateSlackWebhookUrl,
  validateWebhookUrl,
} from './contact-method';

const refused = (reason: string) => ({ ok: false, reason });

describe('validateEmail', () => {
  it.each([
    ['ann@example.com', 'ann@example.com'],
    ['Ann.Lee+pager@Mail.Example.COM', 'Ann.Lee+pager@mail.example.com'],
    ["o'neil!#$%&*/=?^_`{|}~-@example.co.uk", "o'neil!#$%&*/=?^_`{|}~-@example.co.uk"],
    ['ann@bücher.example', 'ann@xn--bcher-kva.example'],
    ['ann@example.com.', 'ann@example.com'],
  ])('accepts %s as %s', (input, value) => {
    expect(validateEmail(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'an email address is a non-empty string'],
    [42, 'an email address is a non-empty string'],
    ['ann', 'an email address needs an @'],
    ['@example.com', 'nothing before the @'],
    ['ann@', 'nothing after the @'],
    ['ann lee@example.com', 'an email address has no spaces'],
    ['"ann@lee"@example.com', 'quoted local parts are not accepted'],
    ['.ann@example.com', 'dots before the @ separate words: not first, last, or twice in a row'],
    ['ann..lee@example.com', 'dots before the @ separate words: not first, last, or twice in a row'],
    ['ann(x)@example.com', "before the @: letters, digits and !#$%&'*+/=?^_`{|}~- only (ASCII)"],
    ['änn@example.com', "before the @: letters, digits and !#$%&'*+/=?^_`{|}~- only (ASCII)"],
    [`${'a'.repeat(65)}@example.com`, 'at most 64 characters before the @'],
    [`ann@${'a'.repeat(250)}.com`, 'an email address has at most 254 characters'],
    ['ann@localhost', 'the domain needs a dot, as in example.com'],
    ['ann@[192.0.2.1]', 'address literals ([192.0.2.1]) are not accepted; use a host name'],
    ['ann@192.0.2.1', 'the domain is a host name, not an IP address'],
    ['ann@-example.com', '"-example" is not a valid part of a host name'],
    ['ann@exa_mple.com', '"exa_mple" is not a valid part of a host name'],
    ['ann@example..com', '"" is not a valid part of a host name'],
  ])('refuses %j', (input, reason) => {
    expect(validateEmail(input)).toEqual(refused(reason));
  });
});

describe('validatePhoneNumber', () => {
  it.each(['+14155550100', '+4930123456', '+6831234', '+861381234567890'])('accepts %s', (input) => {
    expect(validatePhoneNumber(input)).toEqual({ ok: true, value: input });
  });

  it.each([
    ['14155550100', 'an E.164 number starts with + and the country code, as in +14155550100'],
    ['+1 415 555 0100', 'only digits after the +: no spaces, dashes, dots or parentheses'],
    ['+1-415-555-0100', 'only digits after the +: no spaces, dashes, dots or parentheses'],
    ['+44 (0)20 7946 0000', 'only digits after the +: no spaces, dashes, dots or parentheses'],
    ['+04930123456', 'country codes do not start with 0'],
    ['+123456', 'too short for an E.164 number: at least 7 digits after the +'],
    ['+1234567890123456', 'too long for an E.164 number: at most 15 digits after the +'],
    ['+١٢٣٤٥٦٧٨', 'only digits after the +: no spaces, dashes, dots or parentheses'],
    [null, 'a phone number is a non-empty string'],
  ])('refuses %j', (input, reason) => {
    expect(validatePhoneNumber(input)).toEqual(refused(reason));
  });
});

describe('validatePushSubscription', () => {
  // A real subscription's shape: the browser's P-256 public key, uncompressed, and 16 random octets.
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const point = publicKey.export({ format: 'jwk' });
  const p256dh = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(point.x as string, 'base64url'),
    Buffer.from(point.y as string, 'base64url'),
  ]).toString('base64url');
  const auth = randomBytes(16).toString('base64url');
  const endpoint = 'https://fcm.googleapis.com/fcm/send/abc:def';
  const valid = { endpoint, keys: { p256dh, auth }, expirationTime: null };

  it('accepts a browser subscription, with or without base64 padding', () => {
    expect(p256dh).toHaveLength(87);
    expect(auth).toHaveLength(22);
    expect(validatePushSubscription(valid)).toEqual({ ok: true, value: valid });
    const padded = { endpoint, keys: { p256dh: `${p256dh}=`, auth: `${auth}==` } };
    expect(validatePushSubscription(padded)).toEqual({ ok: true, value: padded });
  });

  const key = (keys: object) => ({ endpoint, keys: { p256dh, auth, ...keys } });
  it.each([
    [null, 'a push subscription is an object with endpoint and keys'],
    [{ ...valid, endpoint: 'http://push.example.com/x' }, 'the push endpoint starts with https://'],
    [
      { ...valid, endpoint: 'https://user:pw@push.example.com/x' },
      'the push endpoint carries no user name or password',
    ],
    [{ ...valid, endpoint: 'push.example.com/x' }, 'the push endpoint is not an absolute URL'],
    [{ endpoint }, 'the push subscription needs keys: p256dh and auth'],
    [key({ p256dh: undefined }), 'keys.p256dh is a non-empty base64url string'],
    [
      key({ p256dh: randomBytes(64).toString('base64url') }),
      'keys.p256dh decodes to 64 octets; it must be 65',
    ],
    [
      key({ p256dh: `A${p256dh.slice(1)}` }),
      'keys.p256dh is not an uncompressed P-256 point (it starts with 0x04)',
    ],
    [
      key({ p256dh: p256dh.replace(/[-_]/g, '+') + (/[-_]/.test(p256dh) ? '' : '+') }),
      'keys.p256dh is base64url: letters, digits, - and _ (not + or /)',
    ],
    [key({ auth: randomBytes(12).toString('base64url') }), 'keys.auth decodes to 12 octets; it must be 16'],
    [key({ auth: `${auth}AAA` }), 'keys.auth is not well-formed base64url'],
    [key({ auth: `${auth.slice(0, 21)}B` }), 'keys.auth is not well-formed base64url'],
    [key({ auth: `${auth}=` }), 'keys.auth is not well-formed base64url'],
    [{ ...valid, expirationTime: 'soon' }, 'expirationTime is a number of milliseconds, or null'],
    [{ ...valid, extra: 1 }, 'unknown field "extra" in the push subscription'],
  ])('refuses %j', (input, reason) => {
    expect(validatePushSubscription(input)).toEqual(refused(reason));
  });
});

describe('validateWebhookUrl', () => {
  it.each([
    ['https://hooks.example.com/tocsin', 'https://hooks.example.com/tocsin'],
    ['http://10.0.0.5:8080/hook?x=1', 'http://10.0.0.5:8080/hook?x=1'],
    ['HTTPS://Example.COM', 'https://example.com/'],
  ])('accepts %s', (input, value) => {
    expect(validateWebhookUrl(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['ftp://example.com/x', 'a webhook URL starts with http:// or https://'],
    [
      'https://ann:secret@example.com/x',
      'a webhook URL carries no user name or password; outgoing webhooks are signed instead',
    ],
    [
      'https://token@example.com/x',
      'a webhook URL carries no user name or password; outgoing webhooks are signed instead',
    ],
    ['https://example.com/x#part', 'a webhook URL has no fragment (#…): it is never sent'],
    ['https://example.com/a b', 'a webhook URL has no spaces or control characters'],
    ['/relative', 'a webhook URL is not an absolute URL'],
    [`https://example.com/${'x'.repeat(2048)}`, 'a webhook URL has at most 2048 characters'],
    ['', 'a webhook URL is a non-empty string'],
  ])('refuses %j', (input, reason) => {
    expect(validateWebhookUrl(input)).toEqual(refused(reason));
  });
});

describe('validateSlackWebhookUrl', () => {
  const slack = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

  it('accepts an incoming-webhook URL, and nothing that carries credentials before the host', () => {
    expect(validateSlackWebhookUrl(slack.replace('https://', 'https://x:y@'))).toEqual(
      refused('a Slack webhook URL carries no user name or password'),
    );
    expect(validateSlackWebhookUrl(slack)).toEqual({ ok: true, value: slack });
  });

  it.each([
    [slack.replace('https:', 'http:'), 'a Slack webhook URL starts with https://'],
    [
      slack.replace('hooks.slack.com', 'hooks.slack.com.evil.example'),
      'a Slack incoming-webhook URL is on hooks.slack.com',
    ],
    [
      slack.replace('hooks.slack.com', 'hooks.slack.com:8443'),
      'a Slack incoming-webhook URL has no port or query',
    ],
    [`${slack}?x=1`, 'a Slack incoming-webhook URL has no port or query'],
    [
      'https://hooks.slack.com/workflows/T000/A000/123/abc',
      'a Slack incoming-webhook URL looks like https://hooks.slack.com/services/T…/B…/…',
    ],
    [`${slack}/extra`, 'a Slack incoming-webhook URL looks like https://hooks.slack.com/services/T…/B…/…'],
  ])('refuses %j', (input, reason) => {
    expect(validateSlackWebhookUrl(input)).toEqual(refused(reason));
  });
});

describe('validateContactAddress', () => {
  it('checks the address by its channel', () => {
    expect(validateContactAddress('sms', '+14155550100')).toEqual({
      ok: true,
      value: { channel: 'sms', number: '+14155550100' },
    });
    expect(validateContactAddress('voice', 'ann@example.com')).toEqual(
      refused('an E.164 number starts with + and the country code, as in +14155550100'),
    );
    expect(validateContactAddress('email', 'ann@example.com')).toEqual({
      ok: true,
      value: { channel: 'email', address: 'ann@example.com' },
    });
    expect(validateContactAddress('pigeon', 'x')).toEqual(
      refused('unknown channel; one of email, sms, voice, push, webhook, slack'),
    );
  });
});
