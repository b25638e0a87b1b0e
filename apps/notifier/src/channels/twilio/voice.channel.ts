import { ProviderError, type Channel, type Destination, type Notice, type Sent } from '../channel';
import { twiml } from '../render';
import type { TwilioClient } from './twilio.client';

/** Voice calls through Twilio's Calls resource, the message spoken from inline TwiML. */
export class VoiceChannel implements Channel {
  readonly kind = 'voice' as const;

  constructor(private readonly twilio: TwilioClient) {}

  get configured(): boolean {
    return this.twilio.configured;
  }

  async send(destination: Destination, notice: Notice): Promise<Sent> {
    if (!this.configured) {
      throw new ProviderError(
        'voice is off: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are not all set',
        false,
      );
    }
    const sid = await this.twilio.create('Calls', {
      To: destination.address,
      From: this.twilio.from,
      Twiml: twiml(notice),
    });
    return { providerMessageId: sid };
  }
}
