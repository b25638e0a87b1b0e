import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  EscalationPolicyBody,
  EscalationPolicyPatch,
  PageQuery,
  PolicyCheckQuery,
  RPC,
  type EscalationPolicyView,
  type Page,
  type PolicyCheckView,
} from '@tocsin/contracts';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** Escalation policies: ordered steps of users, teams and schedules to page, and a repeat count. */
@Controller('v1/escalation-policies')
export class EscalationPoliciesController {
  constructor(private readonly gateway: RpcGateway) {}

  @Post()
  create(@Body() body: EscalationPolicyBody): Promise<EscalationPolicyView> {
    return this.gateway.call(RPC.notifier.createEscalationPolicy, body);
  }

  @Get()
  list(@Query() query: PageQuery): Promise<Page<EscalationPolicyView>> {
    return this.gateway.call(RPC.notifier.listEscalationPolicies, query);
  }

  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<EscalationPolicyView> {
    return this.gateway.call(RPC.notifier.getEscalationPolicy, { id });
  }

  /** Changes the fields given; `steps` replaces every step. */
  @Patch(':id')
  update(
    @Param('id', UUID_PARAM) id: string,
    @Body() body: EscalationPolicyPatch,
  ): Promise<EscalationPolicyView> {
    return this.gateway.call(RPC.notifier.updateEscalationPolicy, { ...body, id });
  }

  /** Replaces the policy: fields left out take their defaults (no description, repeat 0). */
  @Put(':id')
  replace(
    @Param('id', UUID_PARAM) id: string,
    @Body() body: EscalationPolicyBody,
  ): Promise<EscalationPolicyView> {
    return this.gateway.call(RPC.notifier.updateEscalationPolicy, {
      id,
      name: body.name,
      description: body.description ?? null,
      steps: body.steps,
      repeat: body.repeat ?? 0,
    });
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.gateway.call(RPC.notifier.deleteEscalationPolicy, { id });
  }

  /** Gaps where nobody is on call and targets nobody can reach, over `days` (30) from `from` (now). */
  @Get(':id/check')
  check(@Param('id', UUID_PARAM) id: string, @Query() query: PolicyCheckQuery): Promise<PolicyCheckView> {
    return this.gateway.call(RPC.notifier.checkEscalationPolicy, { ...query, id });
  }
}
