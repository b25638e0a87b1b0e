import { KEPT_HEADERS, type IntegrationIndexEntryV1 } from '@tocsin/contracts';
import type { IncomingHttpHeaders } from 'node:http';

/** While an integration is being debugged: the most headers kept, and the longest value. */
export const DEBUG_MAX_HEADERS = 100;
export const DEBUG_MAX_VALUE = 1000;
export const REDACTED = '[redacted]';

/** Header names whose values are credentials, whole or in part of the name. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-gitlab-token',
  'x-buildkite-token',
]);
const CREDENTIAL_NAME_PARTS = [
  'token',
  'secret',
  'api-key',
  'apikey',
  'api_key',
  'password',
  'auth',
  'credential',
  'routing-key',
];

/**
 * The headers a hook keeps: every header (credentials masked) while the integration's debug
 * switch is on, the fixed list otherwise.
 */
export function capturedHeaders(
  integration: Pick<IntegrationIndexEntryV1, 'debugUntil'>,
  headers: IncomingHttpHeaders,
  now: Date,
): Record<string, string> {
  return isDebugging(integration, now) ? debugHeaders(headers) : keptHeaders(headers);
}

export function isDebugging(integration: Pick<IntegrationIndexEntryV1, 'debugUntil'>, now: Date): boolean {
  if (!integration.debugUntil) return false;
  const until = Date.parse(integration.debugUntil);
  return Number.isFinite(until) && until > now.getTime();
}

export function keptHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') kept[name] = value.slice(0, 500);
  }
  return kept;
}

/**
 * Every request header, for debugging an integration: lower-case names, values cut to
 * DEBUG_MAX_VALUE characters, at most DEBUG_MAX_HEADERS of them, credentials replaced by
 * "[redacted]". Signature headers stay: they are no secret, and they explain a 401.
 */
export function debugHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [rawName, rawValue] of Object.entries(headers)) {
    if (rawValue === undefined) continue;
    if (count >= DEBUG_MAX_HEADERS) break;
    const name = rawName.toLowerCase();
    const value = Array.isArray(rawValue) ? rawValue.join(', ') : rawValue;
    kept[name] = isCredential(name) ? REDACTED : value.slice(0, DEBUG_MAX_VALUE);
    count++;
  }
  return kept;
}

export function isCredential(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_NAME_PARTS.some((part) => lower.includes(part));
}
