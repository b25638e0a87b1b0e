import type { OpsLevelError } from './opslevel-deploy';

/**
 * An answer of the OpsLevel-compatible route that is not a 202: OpsLevel's body shape
 * (`{"errors":[{status, title, detail}]}`) rather than Tocsin's `{error, message}`.
 */
export class OpsLevelException extends Error {
  constructor(
    readonly status: number,
    readonly errors: OpsLevelError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.detail).join('; '));
    this.name = 'OpsLevelException';
  }

  /** One error of the given status. */
  static of(
    status: number,
    title: string,
    detail: string,
    headers?: Record<string, string>,
  ): OpsLevelException {
    return new OpsLevelException(status, [{ status, title, detail }], headers);
  }
}
