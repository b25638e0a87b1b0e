import type { NotifierSettings } from '@tocsin/config';
import type { ContactKind } from '@tocsin/contracts';

/**
 * Whether each channel has the settings it needs to send, as the channels themselves decide
 * (`Channel.configured`): email needs SMTP_URL; SMS and voice the Twilio account, token and sender;
 * push the VAPID keys and subject; webhooks and Slack need nothing.
 */
export function configuredChannels(settings: NotifierSettings): (kind: ContactKind) => boolean {
  const configured: Record<ContactKind, boolean> = {
    email: Boolean(settings.SMTP_URL),
    sms: Boolean(settings.TWILIO_ACCOUNT_SID && settings.TWILIO_AUTH_TOKEN && settings.TWILIO_FROM),
    voice: Boolean(settings.TWILIO_ACCOUNT_SID && settings.TWILIO_AUTH_TOKEN && settings.TWILIO_FROM),
    push: Boolean(settings.VAPID_PUBLIC_KEY && settings.VAPID_PRIVATE_KEY && settings.VAPID_SUBJECT),
    webhook: true,
    slack: true,
  };
  return (kind) => configured[kind];
}
