import type { Notice } from './channel';

/** `#42 [critical] Checkout API down`, the line every channel leads with. */
export function headline(notice: Notice): string {
  const { incident } = notice;
  return `#${incident.number} [${incident.severity}] ${oneLine(incident.title)}`;
}

/** The email subject: what happened, then the headline. */
export function subject(notice: Notice): string {
  const prefix = { page: 'Incident', acknowledged: 'Acknowledged', resolved: 'Resolved' }[notice.kind];
  return `${prefix}: ${headline(notice)}`.slice(0, 250);
}

function happened(notice: Notice): string {
  switch (notice.kind) {
    case 'page':
      return 'needs someone';
    case 'acknowledged':
      return `was acknowledged${notice.actor ? ` by ${notice.actor}` : ''}`;
    case 'resolved':
      return `was resolved${notice.actor ? ` by ${notice.actor}` : ''}`;
  }
}

/** The plain-text body of an email or a push notification. */
export function plainText(notice: Notice): string {
  const { incident, links } = notice;
  const lines = [
    `Incident ${headline(notice)} ${happened(notice)}.`,
    '',
    `Status: ${incident.status}`,
    ...(incident.service ? [`Service: ${incident.service}`] : []),
    `Opened: ${incident.openedAt}`,
    `Alerts: ${incident.alertCount}`,
    ...(incident.description ? ['', incident.description.slice(0, 2000)] : []),
    '',
    ...(links.acknowledge ? [`Acknowledge: ${links.acknowledge}`] : []),
    ...(links.resolve ? [`Resolve: ${links.resolve}`] : []),
    `View: ${links.view}`,
  ];
  return lines.join('\n') + '\n';
}

/** The HTML body of an email: the same content as the text, with the links as buttons. */
export function html(notice: Notice): string {
  const { incident, links } = notice;
  const row = (name: string, value: string): string =>
    `<tr><th align="left" style="padding:2px 12px 2px 0">${name}</th><td>${escapeHtml(value)}</td></tr>`;
  const button = (label: string, href: string): string =>
    `<a href="${escapeHtml(href)}" style="display:inline-block;padding:8px 14px;margin-right:8px;border:1px solid #333;border-radius:4px;color:#000;text-decoration:none">${label}</a>`;
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p><strong>${escapeHtml(headline(notice))}</strong> ${escapeHtml(happened(notice))}.</p>`,
    '<table>',
    row('Status', incident.status),
    ...(incident.service ? [row('Service', incident.service)] : []),
    row('Opened', incident.openedAt),
    row('Alerts', String(incident.alertCount)),
    '</table>',
    ...(incident.description
      ? [`<pre style="white-space:pre-wrap">${escapeHtml(incident.description.slice(0, 2000))}</pre>`]
      : []),
    '<p>',
    ...(links.acknowledge ? [button('Acknowledge', links.acknowledge)] : []),
    ...(links.resolve ? [button('Resolve', links.resolve)] : []),
    button('View', links.view),
    '</p></body></html>',
  ].join('\n');
}

/** An SMS: the headline, and how to answer it. At most 320 characters (two segments). */
export function sms(notice: Notice): string {
  const reply =
    notice.kind === 'page' && notice.replyCode
      ? ` Reply ${notice.replyCode}a to acknowledge, ${notice.replyCode}c to resolve, ${notice.replyCode}e to escalate.`
      : '';
  const link = notice.links.acknowledge ?? notice.links.view;
  const fixed = `${reply} ${link}`;
  const lead = `Tocsin ${notice.kind === 'page' ? '' : `${notice.kind}: `}${headline(notice)}`;
  return `${lead.slice(0, Math.max(40, 320 - fixed.length))}${fixed}`;
}

/** What a voice call says, as TwiML: the headline, twice, and where to act. */
export function twiml(notice: Notice): string {
  const said = escapeXml(
    `Tocsin incident ${notice.incident.number}, ${notice.incident.severity}: ${oneLine(notice.incident.title).slice(0, 300)}. ${
      notice.kind === 'page' ? 'It needs someone.' : `It ${happened(notice)}.`
    }${notice.replyCode ? ` To acknowledge, reply ${spell(notice.replyCode)} A to the text message.` : ''}`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${said}</Say><Pause length="1"/><Say>${said}</Say></Response>`;
}

/** A Slack incoming-webhook message: a fallback text and blocks. */
export function slackMessage(notice: Notice): { text: string; blocks: unknown[] } {
  const { links } = notice;
  const text = `${headline(notice)} ${happened(notice)}`;
  const actions = [
    ...(links.acknowledge ? [{ text: 'Acknowledge', url: links.acknowledge }] : []),
    ...(links.resolve ? [{ text: 'Resolve', url: links.resolve }] : []),
    { text: 'View', url: links.view },
  ];
  return {
    text: escapeSlack(text),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*${escapeSlack(headline(notice))}* ${escapeSlack(happened(notice))}` },
      },
      {
        type: 'actions',
        elements: actions.map((a) => ({
          type: 'button',
          text: { type: 'plain_text', text: a.text },
          url: a.url,
        })),
      },
    ],
  };
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

function spell(code: string): string {
  return code.split('').join(' ');
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function escapeXml(text: string): string {
  return escapeHtml(oneLine(text));
}

/** Slack's three control characters in mrkdwn. */
function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
}
