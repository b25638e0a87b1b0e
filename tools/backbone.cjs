// Reachability of the two servers Tocsin needs, with what to do when one is missing.
// Used by `npm start`, `npm test` and the jest global setup.
const net = require('node:net');

const HINTS = {
  nats: 'start it with `docker compose up -d nats`, or install the nats-server package and run `nats-server -js`',
  postgres:
    'start it with `docker compose up -d postgres`, or install the postgresql package and start its cluster',
};

function probe(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (error) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(new Error('timed out')));
    socket.once('connect', () => done(null));
    socket.once('error', (error) => done(error));
  });
}

function target(url, defaultPort) {
  const u = new URL(url.split(',')[0].trim());
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}

async function checkBackbone(env = process.env) {
  const natsUrl = env.NATS_URL || 'nats://127.0.0.1:4222';
  const databaseUrl = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tocsin';
  const problems = [];
  const nats = target(natsUrl, 4222);
  const natsError = await probe(nats.host, nats.port);
  if (natsError)
    problems.push(`NATS is not reachable at ${nats.host}:${nats.port} (${natsError.message}): ${HINTS.nats}`);
  const pg = target(databaseUrl, 5432);
  const pgError = await probe(pg.host, pg.port);
  if (pgError)
    problems.push(
      `PostgreSQL is not reachable at ${pg.host}:${pg.port} (${pgError.message}): ${HINTS.postgres}`,
    );
  return problems;
}

module.exports = { checkBackbone };
