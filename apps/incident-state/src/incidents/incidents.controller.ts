import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IdRequest, ListIncidentsRequest, RPC, type IncidentView, type Page } from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { IncidentsQuery } from './incidents.query';

/** Requests from the api about incidents. */
@Controller()
export class IncidentsController {
  constructor(private readonly incidents: IncidentsQuery) {}

  @OnRequest(RPC.incidentState.listIncidents, ListIncidentsRequest)
  list(@Payload() request: ListIncidentsRequest): Promise<Page<IncidentView>> {
    return this.incidents.list(request);
  }

  @OnRequest(RPC.incidentState.getIncident, IdRequest)
  get(@Payload() request: IdRequest): Promise<IncidentView> {
    return this.incidents.get(request.id);
  }
}
