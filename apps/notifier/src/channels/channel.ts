import type { ContactKind, IncidentSnapshotV1 } from '@tocsin/contracts';

/** The ways a person can be reached (CONTACT_KINDS); one channel, and one vendor folder, each. */
export type ChannelKind = ContactKind;

/** Why a message goes out. */
export type NoticeKind = 'page' | 'acknowledged' | 'resolved';

/** What one delivery says, whatever the channel. */
export interface Notice {
  kind: NoticeKind;
  incident: Pick<
    IncidentSnapshotV1,
    'id' | 'number' | 'title' | 'severity' | 'status' | 'openedAt' | 'service' | 'description' | 'alertCount'
  >;
  /** Who acted, for acknowledged and resolved notices (`api:<key>`, `hook:<id>`, `sms:<number>`). */
  actor?: string;
  /** Links that work without a login; acknowledge and resolve only while the incident is open. */
  links: { view: string; acknowledge?: string; resolve?: string };
  /**
   * The short code a person replies to an SMS with (`<code>a` acknowledges, `<code>c` resolves,
   * `<code>e` escalates), unique among the incidents open for that number.
   */
  replyCode?: string;
  /** The delivery's idempotency key; vendors that take one get it. */
  deliveryId: string;
}

/** A Web Push subscription as a browser's PushManager gives it. */
export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** Where one delivery goes: a contact method's address and what it needs. */
export interface Destination {
  kind: ChannelKind;
  /** An email address, an E.164 number, or a URL (webhook, Slack, push endpoint). */
  address: string;
  /** Outgoing webhooks: the contact method's signing secret. */
  secret?: string;
  /** Push: the browser's subscription. */
  subscription?: PushSubscriptionJson;
}

export interface Sent {
  /** The provider's id for the message, when it gives one. */
  providerMessageId: string | null;
}

/**
 * A provider refused or failed a message. `status` is the HTTP (or SMTP) status when there was
 * one; `transient` says whether trying again later can help (timeouts, 429, 5xx, SMTP 4xx) or
 * not (other 4xx, SMTP 5xx, a push subscription that is gone).
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** One way of delivering a notice. */
export interface Channel {
  readonly kind: ChannelKind;
  /** False when the settings it needs are missing; deliveries through it fail at once, saying so. */
  readonly configured: boolean;
  send(destination: Destination, notice: Notice): Promise<Sent>;
}

/** Answers of HTTP providers: which statuses are worth retrying. */
export function httpFailure(
  vendor: string,
  status: number,
  detail: string,
  retryAfter?: string | null,
): ProviderError {
  const transient = status === 408 || status === 429 || status >= 500;
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  return new ProviderError(
    `${vendor} answered ${status}: ${detail.slice(0, 300)}`,
    transient,
    status,
    Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined,
  );
}

/** A request that got no answer in time, or no connection: always worth retrying. */
export function networkFailure(vendor: string, error: unknown): ProviderError {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const reason =
    e.name === 'TimeoutError' || e.name === 'AbortError'
      ? 'no answer in time'
      : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(error));
  return new ProviderError(`${vendor} could not be reached: ${reason}`, true);
}
