import { createDecipheriv, createECDH, createPublicKey, hkdfSync, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One request a local HTTP receiver got. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Answer = (request: Received, response: ServerResponse) => void;

/**
 * A local HTTP server standing in for a provider's endpoint: it records every request and
 * answers with `answer` (201 and an empty JSON object by default).
 */
export class HttpReceiver {
  readonly received: Received[] = [];
  answer: Answer = (_request, response) => {
    response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  };
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        this.received.push(request);
        this.answer(request, res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** A real SMTP server that requires a login and keeps every message it accepts, parsed. */
export class SmtpReceiver {
  readonly messages: { envelopeTo: string[]; mail: ParsedMail }[] = [];
  /** A recipient → SMTP answer code, to refuse some (550) or defer them (451). */
  readonly refuse = new Map<string, number>();
  private server?: SMTPServer;
  private port = 0;

  constructor(
    readonly user = 'pager',
    readonly password = 'secret-smtp-password',
  ) {}

  async start(): Promise<this> {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.password)
          callback(null, { user: auth.username });
        else callback(new Error('invalid login'));
      },
      onRcptTo: (address, _session, callback) => {
        const code = this.refuse.get(address.address);
        if (code) {
          const error = new Error(code >= 500 ? 'no such mailbox' : 'try again later') as Error & {
            responseCode: number;
          };
          error.responseCode = code;
          callback(error);
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.messages.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://${this.user}:${this.password}@127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** A browser's side of a Web Push subscription: its key pair and auth secret. */
export class PushSubscriber {
  private readonly ecdh: ECDH = createECDH('prime256v1');
  readonly authSecret = Buffer.from('0123456789abcdef');

  constructor(readonly endpoint: string) {
    this.ecdh.generateKeys();
  }

  get subscription(): { endpoint: string; keys: { p256dh: string; auth: string } } {
    return {
      endpoint: this.endpoint,
      keys: {
        p256dh: this.ecdh.getPublicKey().toString('base64url'),
        auth: this.authSecret.toString('base64url'),
      },
    };
  }

  /** Decrypts an aes128gcm body (RFC 8188, RFC 8291) as the browser would. */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const recordSize = body.readUInt32BE(16);
    const idLength = body.readUInt8(20);
    const serverPublic = body.subarray(21, 21 + idLength);
    const ciphertext = body.subarray(21 + idLength);
    if (ciphertext.length > recordSize) throw new Error('more than one record');
    const shared = this.ecdh.computeSecret(serverPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.ecdh.getPublicKey(), serverPublic]);
    const ikm = Buffer.from(hkdfSync('sha256', shared, this.authSecret, keyInfo, 32));
    const key = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', key, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([
      decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
      decipher.final(),
    ]);
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end -= 1;
    if (padded[end] !== 2) throw new Error('the last record does not end with the 0x02 delimiter');
    return padded.subarray(0, end).toString('utf8');
  }
}

/**
 * Checks a VAPID `Authorization: vapid t=<jwt>, k=<key>` header as a push service does: the
 * ES256 signature against the key, the audience, the expiry (at most 24 hours ahead) and the
 * subject. Returns the JWT's claims.
 */
export function verifyVapid(
  header: string | undefined,
  expected: { publicKey: string; audience: string; subject: string },
): Record<string, unknown> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`not a VAPID authorization header: ${header}`);
  const [, token, key] = match as unknown as [string, string, string];
  if (key !== expected.publicKey) throw new Error('the VAPID key is not the application server key');
  const [head, payload, signature] = token.split('.') as [string, string, string];
  const raw = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const valid = verify(
    'sha256',
    Buffer.from(`${head}.${payload}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('the VAPID signature does not verify');
  const header64 = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
  if (header64.alg !== 'ES256') throw new Error(`VAPID alg is ${header64.alg}`);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  if (claims['aud'] !== expected.audience) throw new Error(`VAPID aud is ${String(claims['aud'])}`);
  if (claims['sub'] !== expected.subject) throw new Error(`VAPID sub is ${String(claims['sub'])}`);
  const now = Date.now() / 1000;
  const exp = Number(claims['exp']);
  if (!(exp > now && exp <= now + 24 * 3600 + 60)) throw new Error(`VAPID exp ${exp} is out of range`);
  return claims;
}
