import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health.controller';

interface Pingable {
  ping(): Promise<boolean>;
}

let defaultMetricsStarted = false;

@Module({})
export class HealthModule {
  /** `checks` maps a readiness check's name to the provider that answers its ping. */
  static forRoot(service: string, checks: Record<string, Type<Pingable>>): DynamicModule {
    if (!defaultMetricsStarted) {
      register.setDefaultLabels({ service });
      collectDefaultMetrics();
      defaultMetricsStarted = true;
    }
    const entries = Object.entries(checks);
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [
        {
          provide: READINESS_CHECKS,
          inject: entries.map(([, provider]) => provider),
          useFactory: (...instances: Pingable[]): ReadinessCheck[] =>
            instances.map((instance, i) => ({
              name: entries[i]?.[0] ?? `check-${i}`,
              ping: () => instance.ping(),
            })),
        },
      ],
    };
  }
}
