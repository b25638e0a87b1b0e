import type { ContactKind, IncidentSnapshotV1, NoticeKind } from '@tocsin/contracts';
import { classifyAnswer, type ProviderAnswer } from '../delivery/provider-answer';

/** The ways a person can be reached (CONTACT_KINDS); one channel, and one vendor folder, each. */
export type ChannelKind = ContactKind;

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
 * one; `transient` says whether trying again later can help, `gone` that the address no longer
 * exists (the contact method should be turned off). See delivery/provider-answer.ts.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly gone = false,
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

/** A provider's failed answer as a ProviderError, classified by delivery/provider-answer.ts. */
export function providerFailure(vendor: string, answer: ProviderAnswer, detail: string): ProviderError {
  const verdict = classifyAnswer(answer, Date.now());
  const status = answer.kind === 'http' ? answer.status : answer.kind === 'smtp' ? answer.code : undefined;
  if (verdict.outcome === 'delivered') return new ProviderError(`${vendor}: ${detail}`, false, status);
  return new ProviderError(
    `${vendor} ${detail.slice(0, 300)}`,
    verdict.outcome === 'transient',
    status,
    verdict.outcome === 'transient' ? verdict.retryAfterMs : undefined,
    verdict.outcome === 'permanent' && verdict.gone === true,
  );
}

/** An HTTP provider's answer other than 2xx. */
export function httpFailure(
  vendor: string,
  status: number,
  detail: string,
  retryAfter?: string | null,
): ProviderError {
  return providerFailure(vendor, { kind: 'http', status, retryAfter }, `answered ${status}: ${detail}`);
}

/** A request that got no answer in time, or no connection. */
export function networkFailure(vendor: string, error: unknown): ProviderError {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return providerFailure(vendor, { kind: 'timeout' }, 'could not be reached: no answer in time');
  }
  const code = e.cause?.code ?? e.code;
  return providerFailure(
    vendor,
    { kind: 'network', code },
    `could not be reached: ${code ?? e.cause?.message ?? e.message ?? String(error)}`,
  );
}
