import { Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import {
  aliasIndexKey,
  KV_BUCKETS,
  RPC,
  type ServiceAliasEntryV1,
  type ServiceView,
} from '@tocsin/contracts';
import { JetStreamProvisioner, RpcClient } from '@tocsin/messaging';

/**
 * The escalation policy of the service an incident names, for incidents whose integration has
 * none: the alias is looked up in the KV bucket deploy-tracker keeps (`service-aliases`), the
 * service asked of deploy-tracker. An unknown alias or a service without a policy answers null;
 * deploy-tracker not answering throws, so the change is retried rather than paging nobody.
 */
@Injectable()
export class ServicePolicies {
  private kv?: Promise<KV>;

  constructor(
    private readonly provisioner: JetStreamProvisioner,
    private readonly rpc: RpcClient,
  ) {}

  async policyFor(alias: string): Promise<string | null> {
    this.kv ??= this.provisioner.ensureKv(KV_BUCKETS.serviceAliases).catch((error: unknown) => {
      this.kv = undefined;
      throw error;
    });
    const entry = await (await this.kv).get(aliasIndexKey(alias));
    if (!entry || entry.operation !== 'PUT') return null;
    const { serviceId } = entry.json<ServiceAliasEntryV1>();
    const reply = await this.rpc.request<ServiceView>(RPC.deployTracker.getService, { id: serviceId });
    if (reply.ok) return reply.data.escalationPolicyId;
    if (reply.error.status === 404) return null;
    throw new Error(
      `deploy-tracker could not say which policy service ${serviceId} has: ${reply.error.message}`,
    );
  }
}
