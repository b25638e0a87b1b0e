import { generateRequestDetails } from 'web-push';
import {
  httpFailure,
  networkFailure,
  ProviderError,
  type Channel,
  type Destination,
  type Notice,
  type Sent,
} from '../channel';
import { headline, plainText } from '../render';

export interface VapidOptions {
  publicKey?: string;
  privateKey?: string;
  /** `mailto:` or `https:` contact for push services, as VAPID asks. */
  subject?: string;
  timeoutMs?: number;
}

/** What the service worker of the console receives, JSON in the encrypted payload. */
export interface PushPayload {
  title: string;
  body: string;
  incidentId: string;
  kind: Notice['kind'];
  links: Notice['links'];
}

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292): the payload is encrypted for the subscription
 * (RFC 8291, aes128gcm) by the web-push library and posted to the subscription's endpoint.
 */
export class WebPushChannel implements Channel {
  readonly kind = 'push' as const;

  constructor(private readonly options: VapidOptions) {}

  get configured(): boolean {
    return Boolean(this.options.publicKey && this.options.privateKey && this.options.subject);
  }

  async send(destination: Destination, notice: Notice): Promise<Sent> {
    const { publicKey, privateKey, subject } = this.options;
    if (!publicKey || !privateKey || !subject) {
      throw new ProviderError(
        'push is off: VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT are not all set',
        false,
      );
    }
    if (!destination.subscription)
      throw new ProviderError('the push contact method has no subscription', false);
    const payload: PushPayload = {
      title: headline(notice),
      body: plainText(notice).slice(0, 1000),
      incidentId: notice.incident.id,
      kind: notice.kind,
      links: notice.links,
    };
    let request: ReturnType<typeof generateRequestDetails>;
    try {
      request = generateRequestDetails(destination.subscription, JSON.stringify(payload), {
        vapidDetails: { subject, publicKey, privateKey },
        TTL: 4 * 3600,
        urgency: notice.kind === 'page' ? 'high' : 'normal',
        contentEncoding: 'aes128gcm',
        // A newer notice of the same incident replaces an undelivered older one.
        topic: notice.incident.id.replace(/-/g, '').slice(0, 32),
      });
    } catch (error) {
      throw new ProviderError(`the push subscription cannot be used: ${(error as Error).message}`, false);
    }
    let response: Response;
    try {
      response = await fetch(request.endpoint, {
        method: request.method,
        headers: request.headers as Record<string, string>,
        body: request.body ?? undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw networkFailure('the push service', error);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok)
      throw httpFailure(
        'the push service',
        response.status,
        text || 'no body',
        response.headers.get('retry-after'),
      );
    return { providerMessageId: response.headers.get('location') };
  }
}
