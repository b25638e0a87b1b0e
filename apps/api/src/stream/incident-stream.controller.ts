import {
  Controller,
  Get,
  Inject,
  Injectable,
  Req,
  Res,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION, Naming } from '@tocsin/messaging';
import { HttpError } from '@tocsin/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Gauge, register } from 'prom-client';
import { IncidentStream, TooManyStreamsError, type StreamEnd } from './incident-stream';

const clientsGauge =
  (register.getSingleMetric('tocsin_api_stream_clients') as Gauge | undefined) ??
  new Gauge({ name: 'tocsin_api_stream_clients', help: 'Clients connected to the live incident stream' });

const endedCounter =
  (register.getSingleMetric('tocsin_api_stream_ended_total') as Counter<'reason'> | undefined) ??
  new Counter({
    name: 'tocsin_api_stream_ended_total',
    help: 'Live incident streams that ended, by reason (closed, slow, lifetime, shutdown)',
    labelNames: ['reason'] as const,
  });

/** The app's one IncidentStream: subscribed at start, every stream ended before the server closes. */
@Injectable()
export class IncidentStreamService implements OnModuleInit, BeforeApplicationShutdown {
  readonly stream: IncidentStream;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, naming: Naming, logger: PinoLogger) {
    logger.setContext(IncidentStreamService.name);
    this.stream = new IncidentStream(nc, naming, undefined, (error) =>
      logger.warn({ err: error.message }, 'skipped a message on the incidents subject'),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.stream.start();
  }

  /** Before the HTTP server closes: open streams would otherwise hold it open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stream.stop();
  }
}

@Controller('v1/incidents')
export class IncidentStreamController {
  constructor(private readonly service: IncidentStreamService) {}

  /**
   * Server-sent events (`text/event-stream`): one `incident.<change>` event per incident change, with
   * the incident after it; comments as heartbeats. Any key may watch (read-only included). The key goes
   * in the Authorization header like everywhere else: read the stream with fetch(), not EventSource.
   * @produces text/event-stream
   */
  @Get('stream')
  open(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const stream = this.service.stream;
    if (stream.stopped) {
      // A client reconnecting while the api shuts down: its stream would hold the server open.
      throw new HttpError(503, 'the api is shutting down; reconnect in a moment', undefined, {
        'Retry-After': '3',
      });
    }
    if (stream.full) {
      throw new HttpError(503, new TooManyStreamsError(stream.limits.maxClients).message, undefined, {
        'Retry-After': '10',
      });
    }
    // From here on the response is ours, not Fastify's: headers first, then the stream's lines.
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    // A HEAD has no body to stream into: the headers say what a GET would get.
    if (request.method === 'HEAD') {
      raw.end();
      return;
    }
    const detach = stream.attach(
      {
        write: (chunk) => raw.write(chunk),
        get writableLength() {
          return raw.writableLength;
        },
        end: () => raw.end(),
        destroy: () => raw.destroy(),
      },
      (reason: StreamEnd) => {
        endedCounter.inc({ reason });
        clientsGauge.set(stream.clientCount);
      },
    );
    clientsGauge.set(stream.clientCount);
    raw.on('close', detach);
    raw.on('error', detach);
  }
}
