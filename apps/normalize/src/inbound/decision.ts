import {
  KEPT_HEADERS,
  type EventNormalizedV1,
  type HookReceivedV1,
  type IncidentPolicyV1,
  type InboundOutcome,
  type NormalizedEventView,
} from '@tocsin/contracts';
import { applyMapping, MappingError, type CompiledMapping, type ElementResult } from '@tocsin/mapping';
import { effectivePolicy } from '../integrations/incident-policy';
import type { Integration } from '../integrations/integration.entity';
import type { MappingsService } from '../integrations/mappings.service';
import { summarize } from './outcome-summary';

const FALLBACK_NOTE = 'no dedup key in the payload: keyed on a hash of integration and title';

/** One element of a hook as the inbound log records it, with the description a dry run shows. */
export type ElementRow = NormalizedEventView & { hookId: string; description: string | null };

/** What normalize makes of one hook: the inbound log entry, its rows, the events to publish. */
export interface Decision {
  outcome: InboundOutcome;
  detail: string | null;
  rule: string | null;
  dedupKey: string | null;
  rows: ElementRow[];
  events: EventNormalizedV1[];
}

/** Decides what a received hook becomes. Pure apart from the compiled-mapping cache. */
export function decide(
  integration: Integration | null,
  hook: HookReceivedV1,
  mappings: MappingsService,
): Decision {
  if (!integration) return nothing('invalid', 'the integration no longer exists');
  if (!integration.enabled) return nothing('ignored', 'the integration is disabled');
  let payload: unknown;
  try {
    payload = JSON.parse(hook.body);
  } catch (error) {
    return nothing('invalid', `body is not JSON: ${(error as Error).message}`);
  }
  let mapping: CompiledMapping;
  try {
    mapping = mappings.forHook(integration, hook.route);
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    return nothing(
      'invalid',
      `the saved mapping no longer compiles: ${error.errors.join('; ')}`.slice(0, 2000),
    );
  }
  const decision = decideWith(mapping, payload, hook, effectivePolicy(integration.incidentPolicy));
  if (integration.escalationPolicyId) {
    for (const event of decision.events) event.escalationPolicyId = integration.escalationPolicyId;
  }
  return decision;
}

/**
 * The decision for a payload under a given mapping, its events carrying the integration's incident
 * policy; the dry run uses it with a draft mapping.
 */
export function decideWith(
  mapping: CompiledMapping,
  payload: unknown,
  hook: Pick<HookReceivedV1, 'hookId' | 'integrationId' | 'receivedAt' | 'headers'>,
  policy: IncidentPolicyV1,
): Decision {
  const mapped = applyMapping(mapping, payload, {
    integrationId: hook.integrationId,
    headers: mappedHeaders(hook.headers),
  });
  if (mapped.kind === 'invalid') return nothing('invalid', mapped.detail);
  const rows = mapped.elements.map((element) => rowOf(hook.hookId, element));
  const events = mapped.elements.flatMap((element): EventNormalizedV1[] =>
    element.kind === 'event'
      ? [
          {
            hookId: hook.hookId,
            index: element.index,
            integrationId: hook.integrationId,
            action: element.action,
            dedupKey: element.dedupKey,
            ...(element.groupKey !== null ? { groupKey: element.groupKey } : {}),
            title: element.title,
            description: element.description,
            severity: element.severity,
            ...(element.service ? { service: element.service } : {}),
            receivedAt: hook.receivedAt,
            policy: { ...policy },
          },
        ]
      : [],
  );
  const summary = summarize(rows);
  const first = rows.find((r) => r.action !== null) ?? rows[0];
  return {
    outcome: summary.outcome,
    detail: summary.detail,
    rule: first?.rule ?? null,
    dedupKey: first?.dedupKey ?? null,
    rows,
    events,
  };
}

function rowOf(hookId: string, element: ElementResult): ElementRow {
  const blank = {
    hookId,
    index: element.index,
    action: null,
    dedupKey: null,
    dedupKeyFallback: false,
    title: null,
    severity: null,
    service: null,
    incidentId: null,
    description: null,
  };
  switch (element.kind) {
    case 'event':
      return {
        ...blank,
        outcome: 'accepted',
        action: element.action,
        dedupKey: element.dedupKey,
        dedupKeyFallback: element.dedupKeyFallback,
        title: element.title,
        severity: element.severity,
        service: element.service,
        rule: element.rule,
        description: element.description,
        detail: element.dedupKeyFallback ? FALLBACK_NOTE : null,
      };
    case 'ignored':
    case 'filtered':
      return { ...blank, outcome: element.kind, rule: element.rule, detail: element.detail };
    case 'unmapped':
      return { ...blank, outcome: 'unmapped', rule: null, detail: element.detail };
  }
}

/**
 * The headers a mapping reads: the ones ingest always keeps, so that a mapping behaves the same
 * whether or not the integration is being debugged, and in a dry run.
 */
function mappedHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
    if (typeof value === 'string') kept[name] = value;
  }
  return kept;
}

function nothing(outcome: InboundOutcome, detail: string): Decision {
  return { outcome, detail, rule: null, dedupKey: null, rows: [], events: [] };
}
