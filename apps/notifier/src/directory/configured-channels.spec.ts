import { NotifierSettings } from '@tocsin/config';
import { CONTACT_KINDS } from '@tocsin/contracts';
import { configuredChannels } from './configured-channels';

function settings(values: Partial<NotifierSettings>): NotifierSettings {
  return Object.assign(new NotifierSettings(), values);
}

describe('configuredChannels', () => {
  it('has only webhooks and Slack without channel settings', () => {
    const usable = configuredChannels(settings({}));
    expect(CONTACT_KINDS.filter(usable)).toEqual(['webhook', 'slack']);
  });

  it('turns each channel on with all of its settings, and not with some of them', () => {
    const twilio = { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+14155550100' };
    const vapid = { VAPID_PUBLIC_KEY: 'p', VAPID_PRIVATE_KEY: 'k', VAPID_SUBJECT: 'mailto:ops@example.com' };
    const all = configuredChannels(settings({ SMTP_URL: 'smtp://mail.example.com', ...twilio, ...vapid }));
    expect(CONTACT_KINDS.filter(all)).toEqual([...CONTACT_KINDS]);
    const partial = configuredChannels(
      settings({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', VAPID_PUBLIC_KEY: 'p' }),
    );
    expect(CONTACT_KINDS.filter(partial)).toEqual(['webhook', 'slack']);
  });
});
