import { httpFailure, networkFailure } from '../channel';

export interface TwilioOptions {
  /** `https://api.twilio.com`, or any server that speaks Twilio's REST API. */
  baseUrl: string;
  accountSid?: string;
  authToken?: string;
  /** The sending number (E.164) or messaging service. */
  from?: string;
  timeoutMs?: number;
}

/** The few calls of Twilio's 2010-04-01 REST API that paging needs: form posts with basic auth. */
export class TwilioClient {
  constructor(private readonly options: TwilioOptions) {}

  get configured(): boolean {
    return Boolean(this.options.accountSid && this.options.authToken && this.options.from);
  }

  get from(): string {
    return this.options.from ?? '';
  }

  /** Creates a resource (`Messages`, `Calls`) and returns its `sid`. */
  async create(resource: 'Messages' | 'Calls', fields: Record<string, string>): Promise<string | null> {
    const { accountSid = '', authToken = '' } = this.options;
    const url = new URL(
      `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/${resource}.json`,
      this.options.baseUrl,
    );
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw networkFailure('Twilio', error);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw httpFailure('Twilio', response.status, twilioError(text), response.headers.get('retry-after'));
    }
    try {
      const body = JSON.parse(text) as { sid?: unknown };
      return typeof body.sid === 'string' ? body.sid : null;
    } catch {
      return null;
    }
  }
}

/** Twilio's error body is `{code, message, more_info, status}`. */
function twilioError(text: string): string {
  try {
    const body = JSON.parse(text) as { code?: number; message?: string };
    if (body.message) return `${body.message}${body.code ? ` (code ${body.code})` : ''}`;
  } catch {
    // Not JSON: say what came.
  }
  return text || 'no body';
}
