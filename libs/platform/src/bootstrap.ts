import { ValidationPipe, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadSettings, SettingsError, type BaseSettings, type SettingsClass } from '@tocsin/config';
import {
  JetStreamProvisioner,
  JetStreamPublisher,
  JetStreamServer,
  NATS_CONNECTION,
  Naming,
  NatsUnreachableError,
  RethrowRpcFilter,
} from '@tocsin/messaging';
import { Logger, PinoLogger } from 'nestjs-pino';
import { Gauge, register } from 'prom-client';
import { HttpErrorFilter } from './http-error.filter';
import { httpTimeoutOptions, lingerOnClose } from './http-timeouts';
import { parseJsonBody } from './json-body';
import { MemoryLimit, setHeapGrowthPercent, TIGHT_GROWTH_PERCENT } from './memory-limit';

export interface ServiceOptions {
  /** The service's name (the Nx project name). */
  name: string;
  module: Type<unknown>;
  /** The app's settings class: checked before anything starts, so a bad setting is one clear line. */
  settings: SettingsClass<object>;
  /** The HTTP port, read from the app's settings once they are validated. */
  port: (app: INestApplication) => number;
  /** Start the JetStream transport (stream consumers and request handlers). */
  transport: boolean;
  /** Request bodies reach handlers as raw Buffers of any content type (ingest reads them itself). */
  rawBodies?: boolean;
  /** The largest request body accepted, in bytes (default 1 MiB); larger ones get 413. */
  bodyLimit?: (app: INestApplication) => number;
  /**
   * Whether the app's modules apply NestJS middleware (default true). With false, @fastify/middie,
   * which runs on every request to look for middleware, is not registered; a module that applies
   * middleware anyway makes the start fail.
   */
  middleware?: boolean;
  /** Last touches on the Fastify instance or the app before it listens. */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/** Holds the heap's growth near MEMORY_SOFT_LIMIT_MIB, says so in the log and as a metric. */
function keepMemoryLimit(limitMiB: number, logger: Logger): MemoryLimit {
  const name = 'tocsin_memory_limit_holding';
  const holding =
    (register.getSingleMetric(name) as Gauge | undefined) ??
    new Gauge({
      name,
      help: `1 while resident memory is near MEMORY_SOFT_LIMIT_MIB and the heap's growth is held to ${TIGHT_GROWTH_PERCENT} %`,
    });
  holding.set(0);
  return new MemoryLimit({
    limitBytes: limitMiB * 1024 * 1024,
    onChange: (tight, resident) => {
      holding.set(tight ? 1 : 0);
      const mib = Math.round(resident / 1024 / 1024);
      logger.log(
        tight
          ? `resident memory ${mib} MiB, near the soft limit of ${limitMiB} MiB: the heap's growth is held to ${TIGHT_GROWTH_PERCENT} %`
          : `resident memory ${mib} MiB, well under the soft limit of ${limitMiB} MiB: V8 sizes the heap again`,
        'MemoryLimit',
      );
    },
  }).start();
}

/** Errors whose message alone tells an operator what is wrong: printed as one line, no stack. */
function isOperatorError(error: unknown): error is Error {
  return (
    error instanceof SettingsError ||
    error instanceof NatsUnreachableError ||
    (error instanceof Error && error.name === 'DatabaseUnreachableError')
  );
}

/**
 * Boots a Tocsin service: NestJS on Fastify, JSON logs, one error shape, validation, the JetStream
 * transport, and a drain on SIGTERM/SIGINT (stop accepting, settle in-flight messages, close).
 */
export async function runService(options: ServiceOptions): Promise<NestFastifyApplication> {
  try {
    const settings = loadSettings(options.settings) as BaseSettings;
    // V8 reads the flag at each collection, so setting it now, before the app is built, is in time.
    if (settings.HEAP_GROWTH_PERCENT > 0) {
      setHeapGrowthPercent(settings.HEAP_GROWTH_PERCENT);
    }
    const adapter = new FastifyAdapter({
      bodyLimit: 1024 * 1024,
      return503OnClosing: true,
      skipMiddie: options.middleware === false,
      ...httpTimeoutOptions(settings),
    });
    const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
      // Quiet until the JSON logger is in place; start-up failures are reported below, in one line.
      logger: false,
      abortOnError: false,
      bodyParser: !options.rawBodies,
    });
    app.useLogger(app.get(Logger));
    if (settings.HEAP_GROWTH_PERCENT === 0 && settings.MEMORY_SOFT_LIMIT_MIB > 0) {
      keepMemoryLimit(settings.MEMORY_SOFT_LIMIT_MIB, app.get(Logger));
    }
    app.useGlobalFilters(new HttpErrorFilter());
    app.useGlobalPipes(
      new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        stopAtFirstError: false,
      }),
    );
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    const fastify = app.getHttpAdapter().getInstance();
    if (options.rawBodies) {
      fastify.removeAllContentTypeParsers();
      fastify.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: options.bodyLimit?.(app) ?? 1024 * 1024 },
        (_request, body, done) => done(null, body),
      );
    } else {
      app.useBodyParser(
        'application/json',
        { bodyLimit: options.bodyLimit?.(app) ?? 1024 * 1024 },
        (_request, body, done) => {
          try {
            done(null, parseJsonBody(body));
          } catch (error) {
            done(error as Error);
          }
        },
      );
    }
    await options.configure?.(app);

    if (options.transport) {
      const server = new JetStreamServer({
        nc: app.get<NatsConnection>(NATS_CONNECTION),
        naming: app.get(Naming),
        provisioner: app.get(JetStreamProvisioner),
        publisher: app.get(JetStreamPublisher),
        logger: await app.resolve(PinoLogger),
        service: options.name,
      });
      const microservice = app.connectMicroservice(
        { strategy: server },
        { inheritAppConfig: false, deferInitialization: true },
      );
      microservice.useGlobalFilters(new RethrowRpcFilter());
      await app.startAllMicroservices();
    } else {
      // Services without consumers still publish: the streams they publish to must exist.
      await app.get(JetStreamProvisioner).ensureAllStreams();
    }
    lingerOnClose(app.getHttpServer());
    await app.listen({ port: options.port(app), host: '0.0.0.0' });
    app.get(Logger).log(`${options.name} listening on port ${options.port(app)}`, 'Bootstrap');
    return app;
  } catch (error) {
    if (isOperatorError(error)) {
      process.stderr.write(`${options.name}: ${error.message}\n`);
    } else {
      process.stderr.write(
        `${options.name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exit(1);
  }
}
