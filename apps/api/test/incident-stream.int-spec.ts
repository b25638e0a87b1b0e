import { connect, type NatsConnection } from '@nats-io/transport-node';
import { IncidentChanged, SUBJECTS, type IncidentChangedV1 } from '@tocsin/contracts';
import { Naming } from '@tocsin/messaging';
import { TEST_NATS_URL, expectEventually } from '@tocsin/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DEFAULT_STREAM_LIMITS,
  IncidentStream,
  type IncidentStreamEvent,
  type StreamEnd,
  type StreamSink,
} from '../src/stream/incident-stream';

/** A sink that keeps what it was sent; `stalled` ones never hand their bytes on, as a slow reader. */
class MemorySink implements StreamSink {
  text = '';
  ended: 'end' | 'destroy' | null = null;
  constructor(private readonly stalled = false) {}
  get writableLength(): number {
    return this.stalled ? Buffer.byteLength(this.text) : 0;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return !this.stalled;
  }
  end(): void {
    this.ended = 'end';
  }
  destroy(): void {
    this.ended = 'destroy';
  }
  events(): IncidentStreamEvent[] {
    return this.text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as IncidentStreamEvent);
  }
}

function change(id: string, status: 'triggered' | 'acknowledged', title = 'disk full'): IncidentChangedV1 {
  return {
    change: status === 'triggered' ? 'opened' : 'acknowledged',
    actor: 'hook:h1',
    incident: {
      id,
      number: 7,
      integrationId: randomUUID(),
      dedupKey: 'disk',
      status,
      title,
      severity: 'critical',
      alertCount: 1,
      openedAt: '2026-11-21T10:00:00.000Z',
      lastEventAt: '2026-11-21T10:00:00.000Z',
    },
  };
}

describe('IncidentStream (real NATS)', () => {
  const naming = new Naming(`t${randomBytes(4).toString('hex')}`);
  let nc: NatsConnection;
  let publisher: NatsConnection;
  const streams: IncidentStream[] = [];

  const publish = (payload: IncidentChangedV1, messageId: string = randomUUID()): void => {
    const envelope = {
      id: messageId,
      type: IncidentChanged.type,
      version: IncidentChanged.version,
      occurredAt: new Date().toISOString(),
      correlationId: messageId,
      payload,
    };
    publisher.publish(
      naming.subject(SUBJECTS.incident(payload.change, payload.incident.id)),
      JSON.stringify(envelope),
    );
  };

  async function started(limits = DEFAULT_STREAM_LIMITS): Promise<IncidentStream> {
    const stream = new IncidentStream(nc, naming, limits);
    streams.push(stream);
    await stream.start();
    return stream;
  }

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    publisher = await connect({ servers: TEST_NATS_URL });
  });

  afterEach(async () => {
    await Promise.all(streams.splice(0).map((s) => s.stop()));
  });

  afterAll(async () => {
    await nc.close();
    await publisher.close();
  });

  it('sends every connected client each incident change as a server-sent event', async () => {
    const stream = await started();
    const a = new MemorySink();
    const b = new MemorySink();
    stream.attach(a);
    stream.attach(b);
    expect(a.text).toBe('retry: 3000\n: connected\n\n');

    const id = randomUUID();
    publish(change(id, 'triggered'), 'msg-1');
    publish(change(id, 'acknowledged'), 'msg-2');

    for (const sink of [a, b]) {
      const events = await expectEventually(() => {
        const events = sink.events();
        expect(events).toHaveLength(2);
        return events;
      });
      expect(events.map((e) => [e.id, e.change, e.incident.id, e.incident.status])).toEqual([
        ['msg-1', 'opened', id, 'triggered'],
        ['msg-2', 'acknowledged', id, 'acknowledged'],
      ]);
      expect(sink.text).toContain('id: msg-1\nevent: incident.opened\ndata: {');
    }
  });

  it('skips what is not an incident change, and carries on', async () => {
    const stream = await started();
    const sink = new MemorySink();
    stream.attach(sink);
    publisher.publish(naming.subject('incidents.opened.x'), 'not json');
    publisher.publish(naming.subject('incidents.opened.y'), JSON.stringify({ id: 'e', type: 'other' }));
    publish(change(randomUUID(), 'triggered', 'after the bad ones'));
    await expectEventually(() =>
      expect(sink.events().map((e) => e.incident.title)).toEqual(['after the bad ones']),
    );
    expect(stream.invalidMessages).toBe(2);
  });

  it('does not read the changes while nobody is connected', async () => {
    const stream = await started();
    publisher.publish(naming.subject('incidents.opened.x'), 'not json');
    await publisher.flush();
    // The server has it; give the stream's connection a moment to receive it while nobody listens.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sink = new MemorySink();
    stream.attach(sink);
    publisher.publish(naming.subject('incidents.opened.y'), 'not json either');
    publish(change(randomUUID(), 'triggered', 'once someone listens'));
    await expectEventually(() =>
      expect(sink.events().map((e) => e.incident.title)).toEqual(['once someone listens']),
    );
    expect(stream.invalidMessages).toBe(1);
  });

  it('drops a client that stops reading, instead of buffering for it, and keeps serving the others', async () => {
    const stream = await started({ ...DEFAULT_STREAM_LIMITS, maxBufferedBytes: 4096 });
    const slow = new MemorySink(true);
    const fast = new MemorySink();
    const ends: StreamEnd[] = [];
    stream.attach(slow, (reason) => ends.push(reason));
    stream.attach(fast);
    const title = 'x'.repeat(1000);
    for (let i = 0; i < 10; i++) publish(change(randomUUID(), 'triggered', title));

    await expectEventually(() => expect(fast.events()).toHaveLength(10));
    expect(slow.ended).toBe('destroy');
    expect(ends).toEqual(['slow']);
    expect(Buffer.byteLength(slow.text)).toBeLessThanOrEqual(4096);
    expect(stream.clientCount).toBe(1);
  });

  it('sends heartbeats, ends a stream after its lifetime, and forgets a client that went away', async () => {
    const stream = await started({ ...DEFAULT_STREAM_LIMITS, heartbeatMs: 50, maxLifetimeMs: 400 });
    const sink = new MemorySink();
    const gone = new MemorySink();
    const ends: StreamEnd[] = [];
    stream.attach(sink, (reason) => ends.push(reason));
    const leave = stream.attach(gone, (reason) => ends.push(reason));
    leave();
    expect(stream.clientCount).toBe(1);

    await expectEventually(() => expect(sink.text.split(': heartbeat\n\n').length).toBeGreaterThan(2));
    expect(gone.text).not.toContain('heartbeat');
    await expectEventually(() => expect(sink.ended).toBe('end'));
    expect(ends).toEqual(['closed', 'lifetime']);
    expect(stream.clientCount).toBe(0);
  });

  it('refuses clients beyond the limit, and ends every stream when it stops', async () => {
    const stream = await started({ ...DEFAULT_STREAM_LIMITS, maxClients: 2 });
    const sinks = [new MemorySink(), new MemorySink()];
    for (const sink of sinks) stream.attach(sink);
    expect(stream.full).toBe(true);
    expect(() => stream.attach(new MemorySink())).toThrow(/already has 2 clients/);

    await stream.stop();
    expect(sinks.map((s) => s.ended)).toEqual(['end', 'end']);
    expect(stream.clientCount).toBe(0);
    // Unsubscribed: a change published now reaches nobody and breaks nothing.
    publish(change(randomUUID(), 'triggered'));
    await publisher.flush();
    // A client reconnecting while the server shuts down is refused: its stream would hold it open.
    expect(stream.stopped).toBe(true);
    expect(() => stream.attach(new MemorySink())).toThrow(/stopped/);
    expect(stream.clientCount).toBe(0);
  });
});
