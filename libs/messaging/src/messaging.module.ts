import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BaseSettings, SettingsClass } from '@tocsin/config';
import { JetStreamBacklog } from './jetstream.backlog';
import { JetStreamProvisioner } from './jetstream.provisioner';
import { JetStreamPublisher } from './jetstream.publisher';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';
import { connectNats } from './nats-connection';
import { Naming } from './naming';
import { RpcClient } from './rpc.client';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Drains the NATS connection when the app shuts down, after the transport settled its messages. */
@Injectable()
export class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }

  /** True while connected (not reconnecting, not closed). */
  async ping(timeoutMs = 1_000): Promise<boolean> {
    if (this.nc.isClosed()) return false;
    try {
      await Promise.race([
        this.nc.rtt(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
      ]);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The NATS connection and what is built on it: names with the installation prefix, the
 * JetStream publisher, stream provisioning and the request/reply client.
 */
@Module({})
export class MessagingModule {
  static forRoot(service: string, settingsClass: SettingsClass<BaseSettings>): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: MESSAGING_OPTIONS,
          inject: [settingsClass],
          useFactory: (s: BaseSettings): MessagingOptions => ({
            servers: s.NATS_URL,
            prefix: s.TOCSIN_PREFIX,
            service,
            streamReplicas: s.TOCSIN_STREAM_REPLICAS,
          }),
        },
        {
          provide: NATS_CONNECTION,
          inject: [MESSAGING_OPTIONS],
          useFactory: (o: MessagingOptions) => connectNats(o),
        },
        {
          provide: Naming,
          inject: [MESSAGING_OPTIONS],
          useFactory: (o: MessagingOptions) => new Naming(o.prefix),
        },
        {
          provide: JetStreamPublisher,
          inject: [NATS_CONNECTION, Naming],
          useFactory: (nc: NatsConnection, naming: Naming) => new JetStreamPublisher(nc, naming),
        },
        {
          provide: JetStreamProvisioner,
          inject: [NATS_CONNECTION, Naming, MESSAGING_OPTIONS],
          useFactory: (nc: NatsConnection, naming: Naming, o: MessagingOptions) =>
            new JetStreamProvisioner(nc, naming, o.streamReplicas),
        },
        {
          provide: JetStreamBacklog,
          inject: [NATS_CONNECTION, Naming],
          useFactory: (nc: NatsConnection, naming: Naming) => new JetStreamBacklog(nc, naming),
        },
        {
          provide: RpcClient,
          inject: [NATS_CONNECTION, Naming],
          useFactory: (nc: NatsConnection, naming: Naming) => new RpcClient(nc, naming),
        },
        NatsLifecycle,
      ],
      exports: [
        MESSAGING_OPTIONS,
        NATS_CONNECTION,
        Naming,
        JetStreamPublisher,
        JetStreamProvisioner,
        JetStreamBacklog,
        RpcClient,
        NatsLifecycle,
      ],
    };
  }
}
