import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { DEFAULT_INCIDENT_POLICY, RPC, type IntegrationView, type RpcReply } from '@tocsin/contracts';
import type { Naming } from '@tocsin/messaging';

/**
 * Answers the one request incident-state makes of normalize while it applies events: whether an
 * integration exists (`rpc.normalize.integrations.get`, asked once per integration and process).
 * The workload's integrations exist; any other id is 404. Running normalize itself instead would
 * put its own work on the machine: it consumes every `hook.outcome` incident-state publishes.
 */
export class NormalizeStub {
  private constructor(private readonly subscription: Subscription) {}

  /** Requests answered so far. */
  answered = 0;

  static start(nc: NatsConnection, naming: Naming, integrationIds: readonly string[]): NormalizeStub {
    const known = new Set(integrationIds);
    const createdAt = new Date().toISOString();
    let stub: NormalizeStub | undefined = undefined;
    const subscription = nc.subscribe(naming.subject(RPC.normalize.getIntegration), {
      queue: naming.queueGroup('normalize'),
      callback: (error, msg) => {
        if (error || !msg.reply) return;
        const { id } = msg.json<{ id?: string }>();
        const reply: RpcReply<IntegrationView> =
          id !== undefined && known.has(id)
            ? {
                ok: true,
                data: {
                  id,
                  name: `bench ${id.slice(0, 8)}`,
                  kind: 'alert',
                  template: null,
                  enabled: true,
                  url: 'http://127.0.0.1:8080/hooks/{token}',
                  mapping: {},
                  signing: null,
                  debugUntil: null,
                  escalationPolicyId: null,
                  serviceId: null,
                  incidentPolicy: { ...DEFAULT_INCIDENT_POLICY },
                  createdAt,
                  updatedAt: createdAt,
                },
              }
            : { ok: false, error: { status: 404, code: 'not_found', message: `no integration ${id}` } };
        msg.respond(JSON.stringify(reply));
        if (stub) stub.answered += 1;
      },
    });
    stub = new NormalizeStub(subscription);
    return stub;
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}
