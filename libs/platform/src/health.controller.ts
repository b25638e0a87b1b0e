import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { register } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  ping(): Promise<boolean>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Liveness, readiness (NATS and, where owned, the database) and Prometheus metrics. */
@Controller()
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: string; checks: Record<string, string> }> {
    const results = await Promise.all(
      this.checks.map(async (c) => [c.name, (await c.ping()) ? 'up' : 'down'] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, state]) => state === 'up');
    void reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unavailable', checks };
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
