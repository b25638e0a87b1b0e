import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { NotifierSettings } from '@tocsin/config';
import { RpcFailure } from '@tocsin/messaging';
import { DataSource } from 'typeorm';

/** How long the links in a page work. */
export const ACTION_LINK_HOURS = 24;

export type LinkAction = 'acknowledge' | 'resolve';

/** What a link carries, signed. */
export interface ActionClaims {
  incidentId: string;
  action: LinkAction;
  userId: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

const KEY_NAME = 'action-links';
const TOKEN_VERSION = 1;

function uuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Links in pages that act on one incident without a login: `<TOCSIN_API_URL>/v1/actions/<token>`,
 * the token being the claims (incident, action, person, expiry) and their HMAC-SHA256 under a key
 * the notifier makes at first start and keeps in its schema. Checked in constant time.
 */
@Injectable()
export class ActionLinks {
  private key?: Promise<Buffer>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: NotifierSettings,
  ) {}

  /** The acknowledge, resolve and view links of a page to `userId`. */
  async forPage(
    incidentId: string,
    userId: string,
    now = Date.now(),
  ): Promise<{ view: string; acknowledge: string; resolve: string }> {
    const expiresAt = now + ACTION_LINK_HOURS * 3600_000;
    const [acknowledge, resolve] = await Promise.all(
      (['acknowledge', 'resolve'] as const).map((action) =>
        this.sign({ incidentId, action, userId, expiresAt }),
      ),
    );
    return {
      view: this.view(incidentId),
      acknowledge: this.url(acknowledge),
      resolve: this.url(resolve),
    };
  }

  /** The incident's page in the console. */
  view(incidentId: string): string {
    return new URL(`/#/incidents/${incidentId}`, this.settings.TOCSIN_API_URL).toString();
  }

  /**
   * A short token (about 75 characters, so the link fits an SMS): version, action, incident id,
   * user id and expiry in seconds, packed in 38 bytes, then the first 16 bytes of their MAC.
   */
  async sign(claims: ActionClaims): Promise<string> {
    const packed = Buffer.alloc(38);
    packed.writeUInt8(TOKEN_VERSION, 0);
    packed.writeUInt8(claims.action === 'acknowledge' ? 1 : 2, 1);
    Buffer.from(claims.incidentId.replace(/-/g, ''), 'hex').copy(packed, 2);
    Buffer.from(claims.userId.replace(/-/g, ''), 'hex').copy(packed, 18);
    packed.writeUInt32BE(Math.floor(claims.expiresAt / 1000), 34);
    const payload = packed.toString('base64url');
    return `${payload}.${await this.mac(payload)}`;
  }

  /** The claims of a token this notifier signed; 404 for anything else, 410 once expired. */
  async verify(token: string, now = Date.now()): Promise<ActionClaims> {
    const [payload, mac] = token.split('.');
    const invalid = new RpcFailure(404, 'not_found', 'this link is not one Tocsin made');
    if (!payload || !mac) throw invalid;
    const expected = Buffer.from(await this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    const packed = Buffer.from(payload, 'base64url');
    if (packed.length !== 38 || packed.readUInt8(0) !== TOKEN_VERSION) throw invalid;
    const expiresAt = packed.readUInt32BE(34) * 1000;
    if (expiresAt <= now)
      throw new RpcFailure(410, 'expired', 'this link has expired; open the incident in Tocsin');
    return {
      incidentId: uuid(packed.subarray(2, 18)),
      action: packed.readUInt8(1) === 1 ? 'acknowledge' : 'resolve',
      userId: uuid(packed.subarray(18, 34)),
      expiresAt,
    };
  }

  private url(token: string): string {
    return new URL(`/v1/actions/${token}`, this.settings.TOCSIN_API_URL).toString();
  }

  private async mac(payload: string): Promise<string> {
    return createHmac('sha256', await this.signingKey())
      .update(payload)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  private signingKey(): Promise<Buffer> {
    this.key ??= (async () => {
      // Every replica inserts its candidate; the first one stored wins and all read it back.
      await this.dataSource.query(
        `INSERT INTO "notifier"."secrets" ("name", "value") VALUES ($1, $2) ON CONFLICT ("name") DO NOTHING`,
        [KEY_NAME, randomBytes(32).toString('base64url')],
      );
      const rows: { value: string }[] = await this.dataSource.query(
        `SELECT "value" FROM "notifier"."secrets" WHERE "name" = $1`,
        [KEY_NAME],
      );
      return Buffer.from(rows[0].value, 'base64url');
    })().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }
}
