import { Injectable } from '@nestjs/common';
import {
  RPC,
  type DryRunView,
  type PreviewEventsRequest,
  type PreviewOutcome,
  type TestIntegrationRequest,
} from '@tocsin/contracts';
import { RpcClient, RpcFailure, RpcTooLargeError, RpcUnavailableError } from '@tocsin/messaging';
import { decide, decideWith, type Decision } from '../inbound/decision';
import { answerBudget, fitPage } from '../inbound/answer-size';
import { summarize } from '../inbound/outcome-summary';
import { effectivePolicy } from './incident-policy';
import { IntegrationsService } from './integrations.service';
import { MappingsService } from './mappings.service';

/** Events a dry run lists, and the characters of each description it shows. */
const EVENTS_SHOWN = 100;
const DESCRIPTION_SHOWN = 2000;

/**
 * A payload through an integration's mapping (or a draft), and what each event would do to the
 * incidents open now, as incident-state judges it. Stores nothing and publishes nothing.
 */
@Injectable()
export class DryRunService {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly mappings: MappingsService,
    private readonly rpc: RpcClient,
  ) {}

  async run(request: TestIntegrationRequest): Promise<DryRunView> {
    const integration = await this.integrations.find(request.id);
    if (integration.kind !== 'alert')
      throw RpcFailure.invalid(['deploy integrations have no mapping to test']);
    const hook = {
      hookId: 'dry-run',
      integrationId: integration.id,
      receivedAt: new Date().toISOString(),
      contentType: 'application/json',
      headers: lowerCaseKeys(request.headers ?? {}),
      body: JSON.stringify(request.payload),
      ...(request.route ? { route: request.route } : {}),
    };
    const policy = effectivePolicy(integration.incidentPolicy);
    const decision: Decision = request.mapping
      ? decideWith(this.mappings.compileForSave(request.mapping), request.payload, hook, policy)
      : decide(integration, hook, this.mappings);
    const previews = await this.preview({
      integrationId: integration.id,
      events: decision.events.map(({ index, action, dedupKey, groupKey, receivedAt }) => ({
        index,
        action,
        dedupKey,
        ...(groupKey !== undefined ? { groupKey } : {}),
        receivedAt,
      })),
      policy,
    });
    const byIndex = new Map(previews.map((p) => [p.index, p]));
    const events = decision.rows.map(({ hookId: _hookId, ...row }) => {
      const preview = byIndex.get(row.index);
      return preview
        ? {
            ...row,
            outcome: preview.outcome,
            incidentId: preview.incidentId,
            detail: preview.detail ?? row.detail,
          }
        : row;
    });
    const summary = decision.rows.length > 0 ? summarize(events) : decision;
    const shown = events.slice(0, EVENTS_SHOWN).map((e) => ({
      ...e,
      description: e.description && e.description.slice(0, DESCRIPTION_SHOWN),
    }));
    return {
      outcome: summary.outcome,
      detail: summary.detail,
      eventCount: events.length,
      events: fitPage(shown, answerBudget(this.rpc.maxPayload) - 4096),
    };
  }

  private async preview(request: PreviewEventsRequest): Promise<PreviewOutcome[]> {
    if (request.events.length === 0) return [];
    let reply;
    try {
      reply = await this.rpc.request<PreviewOutcome[]>(RPC.incidentState.previewEvents, request);
    } catch (error) {
      if (error instanceof RpcTooLargeError) {
        throw new RpcFailure(
          413,
          'too_large',
          `the events are too many to judge in one dry run (${error.message})`,
        );
      }
      if (error instanceof RpcUnavailableError) {
        throw new RpcFailure(
          503,
          'unavailable',
          'incident-state is not answering; the dry run needs it to judge outcomes',
        );
      }
      throw error;
    }
    if (!reply.ok)
      throw new RpcFailure(reply.error.status, reply.error.code, reply.error.message, reply.error.details);
    return reply.data;
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
}
