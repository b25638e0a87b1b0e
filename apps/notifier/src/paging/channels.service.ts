import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { NotifierSettings } from '@tocsin/config';
import type { ContactKind } from '@tocsin/contracts';
import type { Channel } from '../channels/channel';
import { SmtpChannel } from '../channels/email/smtp.channel';
import { SmsChannel } from '../channels/twilio/sms.channel';
import { TwilioClient } from '../channels/twilio/twilio.client';
import { VoiceChannel } from '../channels/twilio/voice.channel';
import { WebPushChannel } from '../channels/web-push/web-push.channel';
import { SlackChannel, WebhookChannel } from '../channels/webhook/webhook.channel';

/** The channels this notifier can deliver through, built from its settings. */
@Injectable()
export class ChannelsService implements OnApplicationShutdown {
  private readonly email: SmtpChannel;
  private readonly byKind: Map<ContactKind, Channel>;

  constructor(settings: NotifierSettings) {
    this.email = new SmtpChannel({ url: settings.SMTP_URL, from: settings.SMTP_FROM });
    const twilio = new TwilioClient({
      baseUrl: settings.TWILIO_BASE_URL,
      accountSid: settings.TWILIO_ACCOUNT_SID,
      authToken: settings.TWILIO_AUTH_TOKEN,
      from: settings.TWILIO_FROM,
    });
    const channels: Channel[] = [
      this.email,
      new SmsChannel(twilio),
      new VoiceChannel(twilio),
      new WebPushChannel({
        publicKey: settings.VAPID_PUBLIC_KEY,
        privateKey: settings.VAPID_PRIVATE_KEY,
        subject: settings.VAPID_SUBJECT,
      }),
      new WebhookChannel(),
      new SlackChannel(),
    ];
    this.byKind = new Map(channels.map((c) => [c.kind, c]));
  }

  get(kind: ContactKind): Channel {
    const channel = this.byKind.get(kind);
    if (!channel) throw new Error(`no channel for ${kind}`);
    return channel;
  }

  /** Whether deliveries through `kind` can go out (its settings are there). */
  configured(kind: ContactKind): boolean {
    return this.byKind.get(kind)?.configured ?? false;
  }

  onApplicationShutdown(): void {
    this.email.close();
  }
}
