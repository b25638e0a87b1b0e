import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import {
  networkFailure,
  providerFailure,
  ProviderError,
  type Channel,
  type Destination,
  type Notice,
  type Sent,
} from '../channel';
import { html, plainText, subject } from '../render';

export interface SmtpOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; none turns email off. */
  url?: string;
  from?: string;
  /** Milliseconds to connect, greet and send before giving up. */
  timeoutMs?: number;
}

/** Email over SMTP (nodemailer): a plain-text and an HTML body, one message per delivery. */
export class SmtpChannel implements Channel {
  readonly kind = 'email' as const;
  private readonly transport?: Transporter;

  constructor(private readonly options: SmtpOptions) {
    if (options.url) {
      const timeout = options.timeoutMs ?? 15_000;
      this.transport = createTransport({
        url: options.url,
        // A few connections kept open and reused: a burst of pages does not handshake per message.
        pool: true,
        maxConnections: 4,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      } as SMTPPool.Options);
    }
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  async send(destination: Destination, notice: Notice): Promise<Sent> {
    if (!this.transport) throw new ProviderError('email is off: SMTP_URL is not set', false);
    try {
      const info = (await this.transport.sendMail({
        from: this.options.from ?? 'Tocsin <tocsin@localhost>',
        to: destination.address,
        subject: subject(notice),
        text: plainText(notice),
        html: html(notice),
        headers: {
          'X-Tocsin-Incident': notice.incident.id,
          'X-Tocsin-Delivery': notice.deliveryId,
          // Keep auto-responders and mailing-list software from answering pages.
          'Auto-Submitted': 'auto-generated',
        },
      })) as { messageId?: string };
      return { providerMessageId: info.messageId ?? null };
    } catch (error) {
      throw smtpFailure(error);
    }
  }

  close(): void {
    this.transport?.close();
  }
}

/** SMTP 5xx answers are permanent (a refused recipient); 4xx and connection trouble are not. */
function smtpFailure(error: unknown): ProviderError {
  const e = error as { responseCode?: number; response?: string; message?: string; code?: string };
  const vendor = 'the mail server';
  if (typeof e.responseCode === 'number') {
    return providerFailure(
      vendor,
      { kind: 'smtp', code: e.responseCode },
      `answered ${e.responseCode}: ${e.response ?? e.message ?? ''}`,
    );
  }
  // A refused login is not fixed by trying again; it needs the operator.
  if (e.code === 'EAUTH')
    return new ProviderError(`${vendor} refused the login: ${e.message ?? ''}`.slice(0, 300), false);
  return networkFailure(vendor, error);
}
