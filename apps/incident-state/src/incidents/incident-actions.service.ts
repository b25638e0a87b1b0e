import { Injectable } from '@nestjs/common';
import type {
  AddNoteRequest,
  IncidentActionRequest,
  IncidentChangedV1,
  IncidentDetailView,
} from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { intervene, type Intervention } from './incident-machine';
import { applyState, IncidentRepository } from './incident.repository';
import { toSnapshot } from './incident.view';
import { IncidentsQuery } from './incidents.query';
import { IncidentsService, toPolicy } from './incidents.service';

/**
 * What people do to incidents through the api. Each action locks the incident row, as the
 * consumer does for events, so a person's acknowledge and a producer's resolve take turns: the one
 * that commits first decides, and a resolved incident stays resolved (acknowledging it is refused
 * with 409).
 */
@Injectable()
export class IncidentActionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly incidents: IncidentsService,
    private readonly query: IncidentsQuery,
    private readonly logger: PinoLogger,
  ) {}

  acknowledge(request: IncidentActionRequest): Promise<IncidentDetailView> {
    return this.act(request, 'acknowledge');
  }

  resolve(request: IncidentActionRequest): Promise<IncidentDetailView> {
    return this.act(request, 'resolve');
  }

  async note(request: AddNoteRequest): Promise<IncidentDetailView> {
    await this.dataSource.transaction(async (em) => {
      const incidents = new IncidentRepository(em);
      const loaded = await incidents.byId(request.id);
      if (!loaded) throw RpcFailure.notFound('incident', request.id);
      await incidents.record({
        incidentId: request.id,
        at: new Date(),
        kind: 'note',
        actor: `api:${request.actor}`,
        change: null,
        outcome: null,
        dedupKey: null,
        hookId: null,
        detail: request.text,
      });
    });
    return this.query.get(request.id);
  }

  private async act(request: IncidentActionRequest, action: Intervention): Promise<IncidentDetailView> {
    const actor = `${request.via ?? 'api'}:${request.actor}`;
    const actionId = uuidv7();
    const change = await this.dataSource.transaction(async (em): Promise<IncidentChangedV1 | null> => {
      const incidents = new IncidentRepository(em);
      const loaded = await incidents.byId(request.id);
      if (!loaded) throw RpcFailure.notFound('incident', request.id);
      const now = new Date();
      const result = intervene(loaded.state, action, now.getTime());
      if (!result.ok)
        throw new RpcFailure(409, 'conflict', `incident #${loaded.row.number}: ${result.reason}`);
      if (result.change === null) return null;
      const row = loaded.row;
      if (action === 'acknowledge') {
        row.acknowledgedAt = now;
        row.acknowledgedBy = actor;
      } else {
        row.resolvedBy = actor;
      }
      // lastEventAt is the last producer event; a person's action does not move it.
      const lastEventAt = row.lastEventAt;
      applyState(row, result.next, now);
      row.lastEventAt = lastEventAt;
      await incidents.update(row);
      await incidents.saveAlerts(row.id, result.next.alerts, toPolicy().flapQuietMs);
      await incidents.record({
        incidentId: row.id,
        at: now,
        kind: 'action',
        actor,
        change: result.change,
        outcome: null,
        dedupKey: null,
        hookId: null,
        detail: null,
      });
      return { change: result.change, incident: toSnapshot(row), actor, page: false };
    });
    if (change) {
      await this.incidents.announce([change], `action:${actionId}`);
      this.logger.info({ incidentId: request.id, actor }, `incident ${change.change} by a person`);
    }
    return this.query.get(request.id);
  }
}
