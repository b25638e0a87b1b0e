import { Injectable } from '@nestjs/common';
import { RPC, type IntegrationView } from '@tocsin/contracts';
import { RpcClient } from '@tocsin/messaging';
import { PinoLogger } from 'nestjs-pino';

/** How long an integration's service is remembered. */
const TTL_MS = 60_000;

/**
 * The service set on an integration, asked of normalize (which owns integrations) and remembered
 * for a minute. An incident whose events name no known alias is matched to it. When normalize does
 * not answer, the incident is kept without a service rather than held back: its record (and the
 * time to restore) matter more than its suspects.
 */
@Injectable()
export class IntegrationServicesService {
  private readonly known = new Map<string, { serviceId: string | null; at: number }>();

  constructor(
    private readonly rpc: RpcClient,
    private readonly logger: PinoLogger,
  ) {}

  async serviceOf(integrationId: string): Promise<string | null> {
    const cached = this.known.get(integrationId);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.serviceId;
    try {
      const reply = await this.rpc.request<IntegrationView>(
        RPC.normalize.getIntegration,
        { id: integrationId },
        2_000,
      );
      const serviceId = reply.ok ? reply.data.serviceId : null;
      if (reply.ok || reply.error.status === 404) {
        if (this.known.size > 10_000) this.known.clear();
        this.known.set(integrationId, { serviceId, at: Date.now() });
      }
      return serviceId;
    } catch (error) {
      this.logger.warn({ err: error, integrationId }, "normalize did not say the integration's service");
      return null;
    }
  }
}
