import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  IdRequest,
  ListIncidentsRequest,
  PreviewEventsRequest,
  RPC,
  type IncidentView,
  type Page,
  type PreviewOutcome,
} from '@tocsin/contracts';
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

  @OnRequest(RPC.incidentState.previewEvents, PreviewEventsRequest)
  preview(@Payload() request: PreviewEventsRequest): Promise<PreviewOutcome[]> {
    return this.incidents.preview(request);
  }
}
