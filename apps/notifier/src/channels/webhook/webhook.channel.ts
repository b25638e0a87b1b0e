import { createHmac } from 'node:crypto';
import {
  httpFailure,
  networkFailure,
  ProviderError,
  type Channel,
  type Destination,
  type Notice,
  type Sent,
} from '../channel';
import { headline, slackMessage } from '../render';

/** Headers of an outgoing webhook. */
export const WEBHOOK_HEADERS = {
  signature: 'x-tocsin-signature',
  timestamp: 'x-tocsin-timestamp',
  delivery: 'x-tocsin-delivery',
} as const;

/**
 * The signature of an outgoing webhook: `v1=` and the hex HMAC-SHA256, keyed with the contact
 * method's secret, of `<timestamp>.<body>`. Receivers recompute it, compare in constant time and
 * refuse timestamps far from now (replays).
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON an outgoing webhook carries. */
export interface WebhookBody {
  type: `incident.${Notice['kind']}`;
  deliveryId: string;
  summary: string;
  incident: Notice['incident'];
  actor?: string;
  links: Notice['links'];
}

async function post(
  vendor: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Tocsin', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw networkFailure(vendor, error);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw httpFailure(vendor, response.status, text || 'no body', response.headers.get('retry-after'));
  }
  return response;
}

/** Generic JSON webhooks, signed with HMAC-SHA256. */
export class WebhookChannel implements Channel {
  readonly kind = 'webhook' as const;
  readonly configured = true;

  constructor(
    private readonly timeoutMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async send(destination: Destination, notice: Notice): Promise<Sent> {
    if (!destination.secret)
      throw new ProviderError('the webhook contact method has no signing secret', false);
    const payload: WebhookBody = {
      type: `incident.${notice.kind}`,
      deliveryId: notice.deliveryId,
      summary: headline(notice),
      incident: notice.incident,
      ...(notice.actor ? { actor: notice.actor } : {}),
      links: notice.links,
    };
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(this.now() / 1000));
    await post(
      'the webhook',
      destination.address,
      body,
      {
        [WEBHOOK_HEADERS.signature]: webhookSignature(destination.secret, timestamp, body),
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.delivery]: notice.deliveryId,
      },
      this.timeoutMs,
    );
    return { providerMessageId: null };
  }
}

/** Slack incoming webhooks: a message with buttons to acknowledge, resolve and view. */
export class SlackChannel implements Channel {
  readonly kind = 'slack' as const;
  readonly configured = true;

  constructor(private readonly timeoutMs = 10_000) {}

  async send(destination: Destination, notice: Notice): Promise<Sent> {
    await post('Slack', destination.address, JSON.stringify(slackMessage(notice)), {}, this.timeoutMs);
    return { providerMessageId: null };
  }
}
