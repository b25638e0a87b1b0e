import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  EscalationPolicyBody,
  IdRequest,
  PageQuery,
  PolicyCheckRequest,
  RPC,
  UpdateEscalationPolicyRequest,
  type EscalationPolicyView,
  type Page,
  type PolicyCheckView,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { PoliciesService } from './policies.service';

/** Requests from the api about escalation policies. */
@Controller()
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @OnRequest(RPC.notifier.createEscalationPolicy, EscalationPolicyBody)
  create(@Payload() request: EscalationPolicyBody): Promise<EscalationPolicyView> {
    return this.policies.create(request);
  }

  @OnRequest(RPC.notifier.listEscalationPolicies, PageQuery)
  list(@Payload() request: PageQuery): Promise<Page<EscalationPolicyView>> {
    return this.policies.list(request);
  }

  @OnRequest(RPC.notifier.getEscalationPolicy, IdRequest)
  get(@Payload() request: IdRequest): Promise<EscalationPolicyView> {
    return this.policies.get(request);
  }

  @OnRequest(RPC.notifier.updateEscalationPolicy, UpdateEscalationPolicyRequest)
  update(@Payload() request: UpdateEscalationPolicyRequest): Promise<EscalationPolicyView> {
    return this.policies.update(request);
  }

  @OnRequest(RPC.notifier.deleteEscalationPolicy, IdRequest)
  remove(@Payload() request: IdRequest): Promise<{ deleted: true }> {
    return this.policies.remove(request);
  }

  @OnRequest(RPC.notifier.checkEscalationPolicy, PolicyCheckRequest)
  check(@Payload() request: PolicyCheckRequest): Promise<PolicyCheckView> {
    return this.policies.check(request);
  }
}
