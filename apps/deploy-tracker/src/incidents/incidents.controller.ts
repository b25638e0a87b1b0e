import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IncidentSuspectsRequest, RPC, type IncidentSuspectsView } from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { SuspectsQuery } from './suspects.query';

/** Requests from the api about incidents: their suspect deploys. */
@Controller()
export class IncidentsController {
  constructor(private readonly suspects: SuspectsQuery) {}

  @OnRequest(RPC.deployTracker.incidentSuspects, IncidentSuspectsRequest)
  suspectsOf(@Payload() request: IncidentSuspectsRequest): Promise<IncidentSuspectsView> {
    return this.suspects.forIncident(request.incidentId);
  }
}
