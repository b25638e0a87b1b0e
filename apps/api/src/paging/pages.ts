import type { ActionView } from '@tocsin/contracts';

/** A small page for people who followed a link from a page: no scripts, no external resources. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escape(title)} · Tocsin</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
button{font-size:1.1rem;padding:.6rem 1.2rem;border:1px solid #333;border-radius:4px;background:#fff;cursor:pointer}
button:focus{outline:3px solid #06c}</style></head>
<body><main>${body}</main></body></html>`;
}

/** Asks before acting: mail scanners fetch links, and a GET must not acknowledge anything. */
export function confirmPage(view: ActionView, token: string): string {
  const verb = view.action === 'acknowledge' ? 'Acknowledge' : 'Resolve';
  return htmlPage(
    `${verb} #${view.incident.number}`,
    `<h1>${verb} incident #${view.incident.number}?</h1>
<p><strong>${escape(view.incident.title)}</strong> is <strong>${escape(view.incident.status)}</strong>.</p>
<p>You act as ${escape(view.userName)}. This link works until ${escape(view.expiresAt)}.</p>
<form method="post" action="/v1/actions/${escape(token)}"><button type="submit">${verb}</button></form>`,
  );
}

export function donePage(view: ActionView): string {
  const done = view.action === 'acknowledge' ? 'acknowledged' : 'resolved';
  return htmlPage(
    `#${view.incident.number} ${done}`,
    `<h1>Incident #${view.incident.number} ${done}</h1>
<p><strong>${escape(view.incident.title)}</strong> is now <strong>${escape(view.incident.status)}</strong>, by ${escape(view.userName)}.</p>`,
  );
}

export function problemPage(status: number, message: string): string {
  return htmlPage('Cannot do that', `<h1>Cannot do that</h1><p>${escape(message)}</p><p>(${status})</p>`);
}

/** TwiML that texts `message` back. */
export function twimlMessage(message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escape(message)}</Message></Response>`;
}

export function escape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
