import { HttpError } from '@tocsin/platform';
import { readJsonBody } from './body';

function refusal(
  contentType: string | undefined,
  body: Buffer | undefined,
): { status: number; message: string } {
  try {
    readJsonBody(contentType, body);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    const e = error as HttpError;
    return { status: e.getStatus(), message: (e.getResponse() as { message: string }).message };
  }
  throw new Error('the body was accepted');
}

describe('readJsonBody', () => {
  it('accepts JSON sent as application/json, +json, text/plain or without a type', () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/vnd.x+json',
      'text/plain',
      undefined,
    ]) {
      expect(readJsonBody(type, Buffer.from('{"a":1}'))).toBe('{"a":1}');
    }
  });

  it('unwraps a form-encoded payload field', () => {
    const body = Buffer.from(`payload=${encodeURIComponent('{"state":"FAILED"}')}&other=1`);
    expect(readJsonBody('application/x-www-form-urlencoded', body)).toBe('{"state":"FAILED"}');
  });

  it.each([
    ['application/json', '', 400, /empty/],
    ['application/json', '{"a":', 400, /^malformed JSON: /],
    ['application/x-www-form-urlencoded', 'a=1', 400, /"payload" field/],
    ['application/x-www-form-urlencoded', 'payload=%7Bnope', 400, /^malformed JSON/],
    ['application/xml', '<a/>', 415, /application\/xml/],
    ['multipart/form-data; boundary=x', '--x--', 415, /multipart\/form-data/],
  ])('refuses %s %j with %d', (type, body, status, message) => {
    const r = refusal(type, Buffer.from(body));
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(refusal('application/json', Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({
      status: 400,
      message: 'the body is not valid UTF-8',
    });
  });
});
