import { HttpError } from '@tocsin/platform';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON text a producer sent, whichever way it sent it; 4xx with the reason otherwise. */
export function readJsonBody(contentTypeHeader: string | undefined, raw: Buffer | undefined): string {
  const contentType = (contentTypeHeader ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!raw || raw.length === 0) throw new HttpError(400, 'the body is empty; send a JSON document');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8');
  }
  if (contentType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null)
      throw new HttpError(400, 'a form-encoded body must carry the JSON in a "payload" field');
    text = payload;
  } else if (!(
    contentType === 'application/json' ||
    contentType.endsWith('+json') ||
    contentType === 'text/plain' ||
    contentType === ''
  )) {
    throw new HttpError(
      415,
      `content type "${contentType.slice(0, 100)}" cannot be read; send application/json, or application/x-www-form-urlencoded with a "payload" field`,
    );
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${(error as Error).message.slice(0, 300)}`);
  }
  return text;
}
