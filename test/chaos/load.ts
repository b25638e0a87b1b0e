/**
 * A producer that sends uniquely identified webhooks at a steady rate and retries the way a real
 * one does: on a connection error, a timeout, a 5xx or a 429 it tries again (honouring Retry-After,
 * up to a cap), with the same Idempotency-Key, until it gets a 202. Every attempt is recorded.
 */

export type AttemptStatus = number | 'connection-error';

export interface Attempt {
  at: number;
  /** Which ingest replica it went to. */
  target: number;
  status: AttemptStatus;
  error?: string;
}

export interface Webhook {
  n: number;
  /** Which integration (index into the tokens) it went to. */
  integration: number;
  /** The producer's id for it: its Idempotency-Key and the `webhook` field of its body. */
  id: string;
  key: string;
  action: 'open' | 'close';
  firstSentAt: number;
  acceptedAt?: number;
  /** The id from the 202 answer. */
  hookId?: string;
  attempts: Attempt[];
  /** Set when the producer stopped retrying (a 4xx other than 429, or its deadline passed). */
  gaveUp?: string;
}

export interface LoadOptions {
  /** The ingest base URLs, read at each attempt. */
  targets: () => string[];
  /** The integrations' tokens: each webhook goes to one of them at random. */
  tokens: string[];
  /** Webhooks a second. */
  rate: number;
  /** Incident keys the webhooks open and close, interleaved at random. */
  keys: number;
  /** Share of webhooks that open (the others close). */
  openShare?: number;
  maxInFlight?: number;
  /** The longest wait between two attempts, whatever Retry-After says. */
  retryCapMs?: number;
  /** A webhook not accepted after this long is given up (and fails the accounting). */
  deadlineMs?: number;
  requestTimeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class LoadGenerator {
  readonly webhooks: Webhook[] = [];
  private inFlight = new Set<Promise<void>>();
  private stopping = false;
  private aborted = false;
  private running?: Promise<void>;
  private startedAt = 0;

  constructor(private readonly options: LoadOptions) {}

  get sent(): number {
    return this.webhooks.length;
  }

  get accepted(): number {
    return this.webhooks.filter((w) => w.hookId !== undefined).length;
  }

  start(): void {
    this.startedAt = Date.now();
    this.running = this.loop();
  }

  /** Sends at least `minimum` webhooks in all, then stops and waits for every one to be answered. */
  async finish(minimum: number): Promise<void> {
    while (this.webhooks.length < minimum) await sleep(50);
    this.stopping = true;
    await this.running;
    await Promise.all([...this.inFlight]);
  }

  /** Stops sending, and gives up the webhooks under way at their next retry (a run that failed). */
  abort(): void {
    this.stopping = true;
    this.aborted = true;
  }

  private async loop(): Promise<void> {
    const maxInFlight = this.options.maxInFlight ?? 256;
    while (!this.stopping) {
      const due = Math.floor(((Date.now() - this.startedAt) * this.options.rate) / 1000);
      // A producer behind a full pipe sends late rather than flooding: at most maxInFlight wait.
      while (this.webhooks.length < due && this.inFlight.size < maxInFlight && !this.stopping) {
        const webhook = this.next();
        const sending = this.send(webhook).finally(() => this.inFlight.delete(sending));
        this.inFlight.add(sending);
      }
      await sleep(10);
    }
  }

  private next(): Webhook {
    const n = this.webhooks.length;
    const webhook: Webhook = {
      n,
      integration: Math.floor(Math.random() * this.options.tokens.length),
      id: `w-${n}`,
      key: `key-${Math.floor(Math.random() * this.options.keys)}`,
      action: Math.random() < (this.options.openShare ?? 0.6) ? 'open' : 'close',
      firstSentAt: Date.now(),
      attempts: [],
    };
    this.webhooks.push(webhook);
    return webhook;
  }

  private async send(webhook: Webhook): Promise<void> {
    const body = JSON.stringify({
      dedup_key: webhook.key,
      status: webhook.action === 'open' ? 'firing' : 'resolved',
      title: `${webhook.key} is ${webhook.action === 'open' ? 'down' : 'up'}`,
      webhook: webhook.id,
    });
    const deadline = webhook.firstSentAt + (this.options.deadlineMs ?? 180_000);
    const cap = this.options.retryCapMs ?? 2_000;
    for (let attempt = 0; ; attempt += 1) {
      const targets = this.options.targets();
      const target = (webhook.n + attempt) % targets.length;
      const at = Date.now();
      let waitMs: number;
      try {
        const response = await fetch(`${targets[target]}/hooks/${this.options.tokens[webhook.integration]}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': webhook.id },
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
        });
        const text = await response.text();
        webhook.attempts.push({ at, target, status: response.status });
        if (response.status === 202) {
          webhook.acceptedAt = Date.now();
          webhook.hookId = String((JSON.parse(text) as { id: unknown }).id);
          return;
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          webhook.gaveUp = `answered ${response.status}: ${text.slice(0, 200)}`;
          return;
        }
        const retryAfter = Number(response.headers.get('retry-after'));
        waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 500;
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        webhook.attempts.push({
          at,
          target,
          status: 'connection-error',
          error: cause?.code ?? (error as Error).name,
        });
        waitMs = 250;
      }
      if (this.aborted) {
        webhook.gaveUp = 'the run was aborted';
        return;
      }
      if (Date.now() + waitMs > deadline) {
        webhook.gaveUp = `not accepted after ${webhook.attempts.length} attempts`;
        return;
      }
      await sleep(Math.min(waitMs, cap));
    }
  }
}
