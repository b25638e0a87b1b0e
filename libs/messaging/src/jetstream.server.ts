import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import {
  jetstream,
  jetstreamManager,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  CONSUMERS,
  HEADERS,
  KV_BUCKETS,
  STREAMS,
  flattenErrors,
  parseEnvelope,
  type ConsumerDefinition,
  type MessageType,
  type RpcReply,
} from '@tocsin/contracts';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import type { PinoLogger } from 'nestjs-pino';
import { lastValueFrom } from 'rxjs';
import { JetStreamBatchContext, JetStreamContext, messageIdOf, Turn } from './jetstream.context';
import type { JetStreamProvisioner } from './jetstream.provisioner';
import type { JetStreamPublisher } from './jetstream.publisher';
import {
  consumerAckPending,
  consumerPending,
  deadLetters,
  handlerDuration,
  partitionsHeld,
  unavailableRetries,
} from './messaging.metrics';
import type { DurableConsumer, Naming } from './naming';
import { PartitionConsumer, sleep } from './partition-consumer';
import { LEASE_TIMING, PartitionLeases, type Lease } from './partition-leases';
import { RpcFailure } from './rpc-failure';
import { describeError, isDependencyUnavailable, settleFailure, type Settlement } from './settlement';
import { uuidv7 } from './ids';

/** Extras a handler declares with @EventPattern / @MessagePattern. */
export interface HandlerExtras {
  /**
   * Stream handlers: the message type the envelope is checked against before the handler runs, or
   * the types a consumer reads (the envelope is checked against the one it names).
   */
  messageType?: MessageType<object> | readonly MessageType<object>[];
  /** Request handlers: the class the request body is validated against. */
  request?: ClassConstructor<object>;
  /**
   * Stream handlers: messages handled at once by this replica (default 32). Not used for a
   * partitioned consumer, whose handler gets one batch of a partition at a time.
   */
  concurrency?: number;
  /**
   * Stream handlers: of the messages carrying the same Tocsin-Ordering-Key header, the sections
   * their handlers run through `JetStreamContext.inOrder` run in the order this replica received
   * them, each once the message before it settled; the rest of each handler runs concurrently (a
   * handler wholly inside its section is handled one after another). Not used for a partitioned
   * consumer, which keeps stream order per partition anyway.
   */
  orderedSections?: boolean;
}

export interface JetStreamServerDeps {
  nc: NatsConnection;
  naming: Naming;
  provisioner: JetStreamProvisioner;
  publisher: JetStreamPublisher;
  logger: PinoLogger;
  service: string;
}

/** How long a handler is run again while a dependency is unreachable, before it fails as usual. */
const UNAVAILABLE_PATIENCE_MS = 10 * 60_000;

const CONSUMERS_BY_DURABLE = new Map<string, ConsumerDefinition>(
  Object.values(CONSUMERS).map((c) => [c.durable, c]),
);

/**
 * NestJS transport strategy over JetStream and core NATS.
 *
 * - `@EventPattern(CONSUMERS.x.durable, { messageType })` handlers consume that durable pull
 *   consumer (shared by every replica). A message is acked only after its handler resolved, which
 *   handlers do after their database transaction committed; a poison message (bad JSON, bad
 *   envelope, PoisonMessageError) is dead-lettered at once; any other failure is nak'ed with
 *   backoff and, at its last delivery, dead-lettered to `dlq.<subject>` with the reason in headers.
 * - A consumer definition with `partitions` is consumed through one durable per partition. Each
 *   partition is pulled by one replica at a time, the holder of its lease (PartitionLeases), and
 *   its handler gets the partition's messages in batches, in stream order: an array of payloads
 *   and a JetStreamBatchContext, and answers one result per message (undefined, or the Error it
 *   failed with). See `handleBatch()`.
 * - `@MessagePattern(RPC.x.y, { request })` handlers answer core NATS requests in a queue group,
 *   replying with an RpcReply.
 */
export class JetStreamServer extends Server implements CustomTransportStrategy {
  override readonly transportId = Symbol('jetstream');
  private readonly consumers = new Set<ConsumerMessages>();
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Per ordering key, when the last message taken of it will have settled (orderedSections). */
  private readonly lines = new Map<string, Promise<void>>();
  private readonly handlers = new Map<string, ReturnType<Server['getHandlerByPattern']>>();
  private readonly leases: PartitionLeases[] = [];
  private lagTimer?: NodeJS.Timeout;
  private jsm?: JetStreamManager;
  private closing = false;

  constructor(private readonly deps: JetStreamServerDeps) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  private async start(): Promise<void> {
    const { provisioner } = this.deps;
    await provisioner.ensureAllStreams();
    const watched: ConsumerDefinition[] = [];
    for (const [pattern, handler] of this.messageHandlers) {
      const extras = (handler.extras ?? {}) as HandlerExtras;
      if (handler.isEventHandler) {
        const def = CONSUMERS_BY_DURABLE.get(pattern);
        if (!def)
          throw new Error(`@EventPattern('${pattern}') names no consumer in libs/contracts CONSUMERS`);
        await provisioner.ensureConsumer(def);
        watched.push(def);
        if (def.partitions) await this.consumePartitions(def);
        else void this.consume(def, this.deps.naming.durables(def)[0], extras);
      } else {
        this.subscriptions.push(
          this.deps.nc.subscribe(this.deps.naming.subject(pattern), {
            queue: this.deps.naming.queueGroup(this.deps.service),
            callback: (error, msg) => {
              if (!error) void this.answer(pattern, msg, extras);
            },
          }),
        );
      }
    }
    this.lagTimer = setInterval(() => void this.recordLag(watched), 5_000);
    this.lagTimer.unref();
  }

  /**
   * Pulls from one durable consumer for as long as the server runs, handling up to `concurrency`
   * messages at once. If the consumer goes away, it is provisioned again and pulling resumes.
   */
  private async consume(
    def: ConsumerDefinition,
    durable: DurableConsumer,
    extras: HandlerExtras,
  ): Promise<void> {
    const concurrency = extras.concurrency ?? 32;
    const sections = extras.orderedSections === true;
    const slots = new Slots(concurrency);
    const js = jetstream(this.deps.nc);
    while (!this.closing) {
      try {
        const consumer = await js.consumers.get(this.deps.naming.stream(STREAMS[def.stream]), durable.name);
        const messages = await consumer.consume({ max_messages: concurrency * 2 });
        this.consumers.add(messages);
        // close() may have run while this pull was being set up.
        if (this.closing) messages.stop();
        void this.repairWhenLost(def, durable, messages);
        for await (const message of messages) {
          if (this.closing) {
            // Taken after close() began: give it back at once, for a replica that keeps running.
            message.nak();
            continue;
          }
          await slots.take();
          // Taken in the order messages arrive, before any handler runs.
          const turn = sections ? this.turnFor(message.headers?.get(HEADERS.orderingKey)) : undefined;
          const work = this.process(def, message, extras, turn).finally(() => {
            turn?.settled();
            slots.give();
            this.inFlight.delete(work);
          });
          this.inFlight.add(work);
        }
        this.consumers.delete(messages);
      } catch (error) {
        if (!this.closing)
          this.deps.logger.warn(
            { err: error, consumer: def.durable, durable: durable.name },
            'consuming stopped; resuming',
          );
      }
      if (this.closing) return;
      await sleep(1_000);
      await this.provision(def, durable);
    }
  }

  /**
   * Takes part in consuming a partitioned definition: keeps this replica's share of the partition
   * leases and, for each partition it holds, runs a PartitionConsumer that hands the partition's
   * messages to `handleBatch`.
   */
  private async consumePartitions(def: ConsumerDefinition): Promise<void> {
    const partitions = def.partitions as NonNullable<ConsumerDefinition['partitions']>;
    const kv = await this.deps.provisioner.ensureKv(KV_BUCKETS.leases, { ttlMs: LEASE_TIMING.ttlMs });
    const stream = this.deps.naming.stream(STREAMS[def.stream]);
    const durables = this.deps.naming.durables(def);
    const running = new Map<number, PartitionConsumer>();
    const leases = new PartitionLeases(
      kv,
      def.durable,
      durables.length,
      `${this.deps.service}-${uuidv7()}`,
      {
        acquired: (lease: Lease) => {
          const durable = durables[lease.partition];
          const partition = new PartitionConsumer({
            nc: this.deps.nc,
            jsm: () => this.manager(),
            stream,
            def,
            durable,
            lease,
            batch: partitions.batch,
            handle: (messages, consumer) => this.handleBatch(def, durable, messages, consumer),
            repair: () => this.provision(def, durable),
            logger: this.deps.logger,
          });
          running.set(lease.partition, partition);
          partitionsHeld.set({ consumer: def.durable }, running.size);
          const work = partition
            .run()
            .catch((error: unknown) => {
              partition.abandon();
              this.deps.logger.error(
                { err: error, consumer: def.durable, partition: lease.partition },
                'consuming a partition stopped',
              );
            })
            .finally(() => {
              if (running.get(lease.partition) === partition) running.delete(lease.partition);
              // Stopped by itself (not released, not lost): its lease goes too.
              if (partition.lost && !this.closing) leases.forfeit(lease.partition);
              partitionsHeld.set({ consumer: def.durable }, running.size);
              this.inFlight.delete(work);
            });
          this.inFlight.add(work);
        },
        release: async (p: number) => {
          await running.get(p)?.stop();
        },
        lost: (p: number) => running.get(p)?.abandon(),
      },
      this.deps.logger,
    );
    this.leases.push(leases);
    // The service answers on HTTP (readyz) only once it has taken its share of the partitions.
    await leases.start();
  }

  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await jetstreamManager(this.deps.nc, { checkAPI: false });
    return this.jsm;
  }

  /** The next place in the line of an ordering key (none without a key). */
  private turnFor(key: string | undefined | null): Turn | undefined {
    if (!key) return undefined;
    const turn = new Turn(this.lines.get(key) ?? Promise.resolve());
    this.lines.set(key, turn.done);
    void turn.done.then(() => {
      if (this.lines.get(key) === turn.done) this.lines.delete(key);
    });
    return turn;
  }

  /**
   * The handler of a pattern, looked up once: Nest's lookup parses the pattern as JSON first and
   * throws and catches for every plain string, on every message.
   */
  private handlerFor(pattern: string): ReturnType<Server['getHandlerByPattern']> {
    if (!this.handlers.has(pattern)) this.handlers.set(pattern, this.getHandlerByPattern(pattern));
    return this.handlers.get(pattern) ?? null;
  }

  private async provision(def: ConsumerDefinition, durable: DurableConsumer): Promise<void> {
    try {
      await this.deps.provisioner.ensureStream(STREAMS[def.stream]);
      await this.deps.provisioner.ensureDurable(def, durable);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, consumer: def.durable, durable: durable.name },
        'could not provision the consumer yet',
      );
    }
  }

  /**
   * When the stream or the durable consumer disappears (deleted by an operator, a JetStream
   * store lost), provisions them again; the consume loop picks the consumer up by name.
   */
  private async repairWhenLost(
    def: ConsumerDefinition,
    durable: DurableConsumer,
    messages: ConsumerMessages,
  ): Promise<void> {
    for await (const status of messages.status()) {
      if (this.closing) return;
      if (
        status.type === 'consumer_not_found' ||
        status.type === 'stream_not_found' ||
        status.type === 'consumer_deleted'
      ) {
        this.deps.logger.warn(
          { consumer: def.durable, durable: durable.name, status: status.type },
          'consumer lost; provisioning it again',
        );
        // Ending this pull ends its loop in consume(), which provisions and pulls afresh.
        messages.stop();
        return;
      }
    }
  }

  private async process(
    def: ConsumerDefinition,
    message: JsMsg,
    extras: HandlerExtras,
    turn?: Turn,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const context = new JetStreamContext([message, def.durable, turn]);
    const bindings: Record<string, string | number> = {
      consumer: def.durable,
      messageId: context.messageId,
      delivery: context.deliveryCount,
    };
    const hookId = context.header(HEADERS.hookId);
    if (hookId) bindings['hookId'] = hookId;
    const incidentId = context.header(HEADERS.incidentId);
    if (incidentId) bindings['incidentId'] = incidentId;

    const settlement = await this.deps.logger.runInContext(
      async (): Promise<Settlement> => {
        try {
          if (context.deliveryCount > def.maxDeliver) {
            // Deliveries beyond the limit mean the handler never settled it (the process died).
            return { kind: 'dead-letter', reason: `not settled after ${def.maxDeliver} deliveries` };
          }
          const raw: unknown = message.json();
          const data = extras.messageType ? parseEnvelope(extras.messageType, raw) : raw;
          const handler = this.handlerFor(def.durable);
          if (!handler) throw new Error(`no handler for ${def.durable}`);
          await this.whileUnavailable(def, message, async () => {
            await lastValueFrom(this.transformToObservable(await handler(data, context)), {
              defaultValue: undefined,
            });
          });
          return { kind: 'ack' };
        } catch (error) {
          const settlement = settleFailure(error, context.deliveryCount, def.maxDeliver);
          this.deps.logger.warn({ err: error, settlement: settlement.kind }, 'handler failed');
          return settlement;
        }
      },
      { bindings },
    );

    const applied = await this.settle(def, message, settlement);
    handlerDuration.observe(
      { consumer: def.durable, settlement: applied },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  }

  /**
   * Handles a batch of one partition's messages, in stream order, and settles each:
   *
   * - a message delivered more than `maxDeliver` times (its handlers never settled it: the
   *   process died) or that is poison is dead-lettered and left out;
   * - the handler gets the rest and answers per message; the messages before the first failure
   *   are acked;
   * - the failed message and everything after it are handed to the handler again after a backoff,
   *   kept in hand rather than nak'ed (a nak would let the server hand a later message out first):
   *   a failure because a dependency is unreachable is retried without counting, for up to
   *   UNAVAILABLE_PATIENCE_MS; any other counts as a delivery, and at `maxDeliver` the message is
   *   dead-lettered and the batch goes on without it.
   *
   * If the lease is lost meanwhile, what is still in hand is left unsettled for the next holder.
   */
  private async handleBatch(
    def: ConsumerDefinition,
    durable: DurableConsumer,
    messages: JsMsg[],
    partition: PartitionConsumer,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const observe = (settlement: string, count = 1) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (let i = 0; i < count; i++) handlerDuration.observe({ consumer: def.durable, settlement }, seconds);
    };
    /** Deliveries that failed so far, per message: the server's before this batch, and ours. */
    const failures = new Map<JsMsg, number>(messages.map((m) => [m, m.info.deliveryCount - 1]));
    const since = Date.now();
    let unavailable = 0;
    let rest = messages;
    const bindings = { consumer: def.durable, partition: durable.partition ?? -1, messages: messages.length };
    await this.deps.logger.runInContext(
      async () => {
        while (rest.length > 0 && !this.closing) {
          const ready: { message: JsMsg; data: unknown }[] = [];
          /** A message that must be dead-lettered first, and could not be yet: it and those after it wait. */
          let blocked: JsMsg[] = [];
          for (const [i, message] of rest.entries()) {
            let settlement: Settlement | undefined;
            if ((failures.get(message) ?? 0) >= def.maxDeliver) {
              settlement = { kind: 'dead-letter', reason: `not settled after ${def.maxDeliver} deliveries` };
            } else {
              try {
                ready.push({ message, data: this.parse(message, def) });
              } catch (error) {
                settlement = settleFailure(error, 1, def.maxDeliver);
              }
            }
            if (!settlement) continue;
            const settled = await this.settle(def, message, settlement, true);
            if (settled === 'kept') {
              blocked = rest.slice(i);
              break;
            }
            observe(settled);
          }
          if (ready.length === 0 && blocked.length === 0) return;
          const results = ready.length > 0 ? await this.runBatchHandler(def, ready) : [];
          const failed = results.findIndex((r) => r !== undefined && r !== null);
          for (const { message } of failed < 0 ? ready : ready.slice(0, failed)) tryAck(message);
          observe('ack', failed < 0 ? ready.length : failed);
          // What is left in hand stays unsettled only if the partition is no longer this replica's.
          if (partition.lost) return;
          if (failed < 0) {
            if (blocked.length === 0) return;
            rest = blocked;
            await sleep(5_000);
            continue;
          }
          const error = results[failed];
          const { message } = ready[failed];
          let delayMs: number;
          if (isDependencyUnavailable(error) && Date.now() - since < UNAVAILABLE_PATIENCE_MS) {
            unavailable += 1;
            unavailableRetries.inc({ consumer: def.durable });
            this.deps.logger.warn(
              { err: error, attempt: unavailable },
              'a dependency is unavailable; handling the batch again',
            );
            delayMs = unavailableBackoffMs(unavailable);
            rest = [...ready.slice(failed).map((r) => r.message), ...blocked];
          } else {
            const count = (failures.get(message) ?? 0) + 1;
            failures.set(message, count);
            const settlement = settleFailure(error, count, def.maxDeliver);
            this.deps.logger.warn(
              { err: error, settlement: settlement.kind, messageId: messageIdOf(message), delivery: count },
              'handler failed',
            );
            const waiting = [...ready.slice(failed + 1).map((r) => r.message), ...blocked];
            if (settlement.kind !== 'nak') {
              const settled = await this.settle(def, message, settlement, true);
              if (settled !== 'kept') {
                observe(settled);
                rest = waiting;
                continue;
              }
              failures.set(message, count - 1);
              delayMs = 5_000;
            } else {
              delayMs = settlement.delayMs;
            }
            rest = [message, ...waiting];
          }
          await sleep(delayMs);
          if (partition.lost) return;
          // Still being worked on: keeps the server from handing them out again meanwhile.
          if (partition.leaseHolds) for (const m of rest) tryWorking(m);
        }
      },
      { bindings },
    );
  }

  /** The envelope of a message, checked against the handler's message type. */
  private parse(message: JsMsg, def: ConsumerDefinition): unknown {
    const raw: unknown = message.json();
    const messageType = this.extrasOf(def.durable).messageType;
    return messageType ? parseEnvelope(messageType, raw) : raw;
  }

  /** Runs a batch handler; a handler that throws fails every message of the batch. */
  private async runBatchHandler(
    def: ConsumerDefinition,
    ready: { message: JsMsg; data: unknown }[],
  ): Promise<unknown[]> {
    try {
      const handler = this.handlerFor(def.durable);
      if (!handler) throw new Error(`no handler for ${def.durable}`);
      const context = new JetStreamBatchContext([ready.map((r) => r.message), def.durable]);
      const results: unknown = await lastValueFrom(
        this.transformToObservable(
          await handler(
            ready.map((r) => r.data),
            context,
          ),
        ),
        { defaultValue: undefined },
      );
      if (!Array.isArray(results) || results.length !== ready.length) {
        throw new Error(`the handler of ${def.durable} gave no result per message`);
      }
      return results as unknown[];
    } catch (error) {
      return ready.map(() => error);
    }
  }

  private extrasOf(pattern: string): HandlerExtras {
    return (this.messageHandlers.get(pattern)?.extras ?? {}) as HandlerExtras;
  }

  /**
   * Runs a handler; while it fails because the database or JetStream cannot be reached, keeps the
   * message (telling the server it is still being worked on, so it is not delivered again) and
   * runs the handler again, with backoff up to 5 s, for up to UNAVAILABLE_PATIENCE_MS. An outage
   * then pauses the consumer (its slots stay taken) instead of spending the message's deliveries:
   * a database restart longer than the ~7.5 s of nak backoff would otherwise dead-letter every
   * message handled meanwhile. Any other failure, or shutting down, settles as usual.
   */
  private async whileUnavailable(
    def: ConsumerDefinition,
    message: JsMsg,
    run: () => Promise<void>,
  ): Promise<void> {
    const since = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await run();
        return;
      } catch (error) {
        if (!isDependencyUnavailable(error) || this.closing || Date.now() - since > UNAVAILABLE_PATIENCE_MS)
          throw error;
        unavailableRetries.inc({ consumer: def.durable });
        this.deps.logger.warn(
          { err: error, attempt },
          'a dependency is unavailable; handling the message again',
        );
        await sleep(unavailableBackoffMs(attempt));
        try {
          message.working();
        } catch {
          // NATS is away too: the server redelivers after ack_wait, counted as any redelivery.
        }
      }
    }
  }

  /**
   * Settles a message. A dead letter that cannot be stored is nak'ed to come back in 5 s, or, with
   * `keep`, left to the caller ('kept'), which holds it and tries again.
   */
  private async settle(
    def: ConsumerDefinition,
    message: JsMsg,
    settlement: Settlement,
    keep = false,
  ): Promise<string> {
    switch (settlement.kind) {
      case 'ack':
        message.ack();
        return 'ack';
      case 'nak':
        message.nak(settlement.delayMs);
        return 'nak';
      case 'dead-letter':
        try {
          await this.deadLetter(def, message, settlement.reason);
          // No reason on the term: nats-server 2.9 takes only a bare +TERM and ignores "+TERM <reason>",
          // which would leave the message pending, redelivered, and its partition blocked. The
          // reason travels in the dead letter's headers.
          message.term();
          deadLetters.inc({ consumer: def.durable });
          return 'dead-letter';
        } catch (error) {
          // Not stored anywhere yet: keep it in the stream and try again later.
          this.deps.logger.error({ err: error, consumer: def.durable }, 'dead letter not stored; will retry');
          if (keep) return 'kept';
          message.nak(5_000);
          return 'nak';
        }
    }
  }

  private async deadLetter(def: ConsumerDefinition, message: JsMsg, reason: string): Promise<void> {
    const headerValues: Record<string, string> = {};
    for (const [name, values] of message.headers ?? []) {
      if (name !== HEADERS.messageId && values[0] !== undefined) headerValues[name] = values[0];
    }
    const subject = this.deps.naming.relative(message.subject);
    Object.assign(headerValues, {
      [HEADERS.deadLetterReason]: reason.replace(/[\r\n]+/g, ' ').slice(0, 1000),
      [HEADERS.deadLetterConsumer]: def.durable,
      [HEADERS.deadLetterDeliveries]: String(message.info.deliveryCount),
      [HEADERS.deadLetterSubject]: subject,
    });
    await this.deps.publisher.publishRaw(
      `dlq.${subject}`,
      message.data,
      headerValues,
      `dlq:${def.durable}:${message.info.streamSequence}`,
    );
  }

  private async answer(pattern: string, msg: Msg, extras: HandlerExtras): Promise<void> {
    const reply = (body: RpcReply<unknown>): void => {
      if (msg.reply) msg.respond(JSON.stringify(body));
    };
    try {
      let data: unknown = msg.data.length > 0 ? msg.json() : {};
      if (extras.request) {
        const instance = plainToInstance(extras.request, data ?? {});
        const problems = flattenErrors(
          await validate(instance, { whitelist: true, forbidNonWhitelisted: true }),
        );
        if (problems.length > 0) throw RpcFailure.invalid(problems);
        data = instance;
      }
      const handler = this.handlerFor(pattern);
      if (!handler) throw new Error(`no handler for ${pattern}`);
      const result: unknown = await lastValueFrom(this.transformToObservable(await handler(data, msg)), {
        defaultValue: undefined,
      });
      reply({ ok: true, data: result });
    } catch (error) {
      if (error instanceof RpcFailure) {
        reply({ ok: false, error: error.toRpcError() });
        return;
      }
      const errorId = uuidv7();
      this.deps.logger.error({ err: error, errorId, subject: pattern }, 'request failed');
      reply({
        ok: false,
        error: {
          status: 500,
          code: 'internal',
          message: `internal error ${errorId}: ${describeError(error).slice(0, 200)}`,
        },
      });
    }
  }

  /**
   * Sets the pending and ack-pending gauges of each watched definition, labelled with its durable
   * name; a partitioned definition reports the sum over its partitions. One listing per stream.
   */
  private async recordLag(watched: ConsumerDefinition[]): Promise<void> {
    const byStream = new Map<string, ConsumerDefinition[]>();
    for (const def of watched) {
      const stream = this.deps.naming.stream(STREAMS[def.stream]);
      byStream.set(stream, [...(byStream.get(stream) ?? []), def]);
    }
    for (const [stream, defs] of byStream) {
      try {
        const jsm = await this.manager();
        const infos = new Map<string, ConsumerInfo>();
        for await (const info of jsm.consumers.list(stream)) infos.set(info.name, info);
        for (const def of defs) {
          let pending = 0;
          let ackPending = 0;
          for (const durable of this.deps.naming.durables(def)) {
            pending += infos.get(durable.name)?.num_pending ?? 0;
            ackPending += infos.get(durable.name)?.num_ack_pending ?? 0;
          }
          consumerPending.set({ consumer: def.durable }, pending);
          consumerAckPending.set({ consumer: def.durable }, ackPending);
        }
      } catch {
        // NATS or the stream away for a moment: the gauges keep their last values.
      }
    }
  }

  /** Stops taking messages, lets the ones in flight finish and settle, then returns. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    for (const sub of this.subscriptions) await sub.drain().catch(() => undefined);
    for (const messages of this.consumers) messages.stop();
    // Settles what each held partition has in hand and gives its lease back to the other replicas.
    await Promise.race([Promise.all(this.leases.map((l) => l.stop())), sleep(20_000)]);
    const deadline = Date.now() + 20_000;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.inFlight]), sleep(500)]);
    }
  }

  on(): void {
    throw new Error('JetStreamServer has no events to listen to');
  }

  unwrap<T>(): T {
    return this.deps.nc as T;
  }
}

/** A counting semaphore. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/** Wait before handling again while a dependency is unreachable: 250 ms, doubling, up to 5 s. */
function unavailableBackoffMs(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 5_000);
}

/**
 * Acks a message; if NATS is away, the server delivers it again after ack_wait and the handler's
 * inbox finds it applied.
 */
function tryAck(message: JsMsg): void {
  try {
    message.ack();
  } catch {
    // NATS away: see above.
  }
}

/** Tells the server a message is still being worked on; if NATS is away, it redelivers after ack_wait. */
function tryWorking(message: JsMsg): void {
  try {
    message.working();
  } catch {
    // NATS away: nothing to do.
  }
}
