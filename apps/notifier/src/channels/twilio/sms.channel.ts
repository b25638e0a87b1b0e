import { ProviderError, type Channel, type Destination, type Notice, type Sent } from '../channel';
import { sms } from '../render';
import type { TwilioClient } from './twilio.client';

/** SMS through Twilio's Messages resource. */
export class SmsChannel implements Channel {
  readonly kind = 'sms' as const;

  constructor(private readonly twilio: TwilioClient) {}

  get configured(): boolean {
    return this.twilio.configured;
  }

  async send(destination: Destination, notice: Notice): Promise<Sent> {
    if (!this.configured) {
      throw new ProviderError(
        'SMS is off: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are not all set',
        false,
      );
    }
    const sid = await this.twilio.create('Messages', {
      To: destination.address,
      From: this.twilio.from,
      Body: sms(notice),
    });
    return { providerMessageId: sid };
  }
}
