import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AddNoteRequest,
  IdRequest,
  IncidentActionRequest,
  ListIncidentsRequest,
  PreviewEventsRequest,
  RPC,
  TimelineRequest,
  type IncidentDetailView,
  type IncidentView,
  type Page,
  type PreviewOutcome,
  type TimelineEntryView,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { IncidentActionsService } from './incident-actions.service';
import { IncidentsQuery } from './incidents.query';

/** Requests from the api about incidents. */
@Controller()
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsQuery,
    private readonly actions: IncidentActionsService,
  ) {}

  @OnRequest(RPC.incidentState.listIncidents, ListIncidentsRequest)
  list(@Payload() request: ListIncidentsRequest): Promise<Page<IncidentView>> {
    return this.incidents.list(request);
  }

  @OnRequest(RPC.incidentState.getIncident, IdRequest)
  get(@Payload() request: IdRequest): Promise<IncidentDetailView> {
    return this.incidents.get(request.id);
  }

  @OnRequest(RPC.incidentState.timeline, TimelineRequest)
  timeline(@Payload() request: TimelineRequest): Promise<Page<TimelineEntryView>> {
    return this.incidents.timeline(request);
  }

  @OnRequest(RPC.incidentState.previewEvents, PreviewEventsRequest)
  preview(@Payload() request: PreviewEventsRequest): Promise<PreviewOutcome[]> {
    return this.incidents.preview(request);
  }

  @OnRequest(RPC.incidentState.acknowledgeIncident, IncidentActionRequest)
  acknowledge(@Payload() request: IncidentActionRequest): Promise<IncidentDetailView> {
    return this.actions.acknowledge(request);
  }

  @OnRequest(RPC.incidentState.resolveIncident, IncidentActionRequest)
  resolve(@Payload() request: IncidentActionRequest): Promise<IncidentDetailView> {
    return this.actions.resolve(request);
  }

  @OnRequest(RPC.incidentState.addNote, AddNoteRequest)
  note(@Payload() request: AddNoteRequest): Promise<IncidentDetailView> {
    return this.actions.note(request);
  }
}
