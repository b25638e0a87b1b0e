import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ListDeploysRequest,
  RPC,
  type DeployDetailView,
  type DeployView,
  type Page,
} from '@tocsin/contracts';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** Deploys, owned by deploy-tracker. */
@Controller('v1/deploys')
export class DeploysController {
  constructor(private readonly gateway: RpcGateway) {}

  /** Newest first; filters serviceId, service (alias), environment, integrationId, since, until, sha. */
  @Get()
  list(@Query() query: ListDeploysRequest): Promise<Page<DeployView>> {
    return this.gateway.call(RPC.deployTracker.listDeploys, query);
  }

  /** The deploy with the incidents of its service that opened within the window after it. */
  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<DeployDetailView> {
    return this.gateway.call(RPC.deployTracker.getDeploy, { id });
  }
}
