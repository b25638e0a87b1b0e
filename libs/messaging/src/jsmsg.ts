import type { JsMsg } from '@nats-io/jetstream';
import type { Msg } from '@nats-io/transport-node';
import { dirname, join } from 'node:path';

/**
 * nats.js's own wrapper of a message delivered by a JetStream consumer (acks, naks, delivery
 * info), for messages this library pulls itself. The package does not export it, so it is loaded
 * from the package's files by path.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { toJsMsg: wrap } = require(join(dirname(require.resolve('@nats-io/jetstream')), 'jsmsg.js')) as {
  toJsMsg: (msg: Msg, ackTimeoutMs?: number) => JsMsg;
};

export function toJsMsg(msg: Msg): JsMsg {
  return wrap(msg);
}
