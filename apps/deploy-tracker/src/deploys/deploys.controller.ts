import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  IdRequest,
  ListDeploysRequest,
  RPC,
  type DeployDetailView,
  type DeployView,
  type Page,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { DeploysQuery } from './deploys.query';

/** Requests from the api about deploys. */
@Controller()
export class DeploysController {
  constructor(private readonly deploys: DeploysQuery) {}

  @OnRequest(RPC.deployTracker.listDeploys, ListDeploysRequest)
  list(@Payload() request: ListDeploysRequest): Promise<Page<DeployView>> {
    return this.deploys.list(request);
  }

  @OnRequest(RPC.deployTracker.getDeploy, IdRequest)
  get(@Payload() request: IdRequest): Promise<DeployDetailView> {
    return this.deploys.get(request.id);
  }
}
