import { Injectable } from '@nestjs/common';
import { RPC } from '@tocsin/contracts';
import { RpcClient } from '@tocsin/messaging';

/**
 * Whether an event's integration exists, asked of normalize (which owns integrations) once per
 * integration and process; known ids are remembered. An event for an unknown integration changes
 * no incident. When normalize does not answer, the question fails and the event is retried.
 */
@Injectable()
export class KnownIntegrationsService {
  private readonly known = new Set<string>();

  constructor(private readonly rpc: RpcClient) {}

  async exists(integrationId: string): Promise<boolean> {
    if (this.known.has(integrationId)) return true;
    const reply = await this.rpc.request(RPC.normalize.getIntegration, { id: integrationId });
    if (reply.ok) {
      if (this.known.size > 100_000) this.known.clear();
      this.known.add(integrationId);
      return true;
    }
    if (reply.error.status === 404) return false;
    throw new Error(
      `normalize could not say whether integration ${integrationId} exists: ${reply.error.message}`,
    );
  }
}
