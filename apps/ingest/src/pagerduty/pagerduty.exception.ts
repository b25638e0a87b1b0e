import type { PagerDutyErrorBody } from './pagerduty-event';

/**
 * An answer of the PagerDuty-compatible route that is not a 202: PagerDuty's body shape
 * (`{status, message, errors?}`) rather than Tocsin's `{error, message}`.
 */
export class PagerDutyException extends Error {
  constructor(
    readonly status: number,
    readonly body: PagerDutyErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = 'PagerDutyException';
  }
}
