import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

/*
 * The reference for ingest's rate: the least an HTTP server can do to answer 202 only once
 * JetStream stored the body. A bare node:http handler reads the body, publishes it as it came to
 * a stream of the same shape as ingest's (file storage, the same age limit and duplicate window),
 * with a fresh Nats-Msg-Id, awaits the acknowledgement and answers 202. No routing framework, no
 * token, no validation, no envelope, no limits: the ceiling for this shape of service on the machine.
 *
 * Settings: NATS_URL, REFERENCE_PORT, REFERENCE_SUBJECT (the stream's subject to publish to).
 */

async function main(): Promise<void> {
  const port = Number(process.env.REFERENCE_PORT ?? '0');
  const subject = process.env.REFERENCE_SUBJECT ?? '';
  if (!subject) throw new Error('REFERENCE_SUBJECT is not set');
  const nc = await connect({ servers: (process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',') });
  const js = jetstream(nc, { timeout: 5_000 });
  const server = createServer((request, response) => {
    if (request.method === 'GET' && (request.url === '/readyz' || request.url === '/healthz')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = randomUUID();
      js.publish(subject, Buffer.concat(chunks), { msgID: id }).then(
        () => {
          response
            .writeHead(202, { 'content-type': 'application/json' })
            .end(`{"status":"accepted","id":"${id}"}`);
        },
        (error: unknown) => {
          response
            .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
            .end(JSON.stringify({ error: (error as Error).message }));
        },
      );
    });
  });
  server.listen(port, '127.0.0.1');
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void nc.drain().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`reference server: ${(error as Error).message}\n`);
  process.exit(1);
});
