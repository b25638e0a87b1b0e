// The console's only way out: the public api on the same origin, with the key in the Authorization
// header. The key lives in sessionStorage (gone when the tab closes) and never in a URL.
import type { StreamEvent } from './types';

const STORAGE_KEY = 'tocsin.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface SessionState {
  key: string | null;
  /** Why the last key was dropped: the api refused it. */
  signedOutReason: string | null;
  /** False while the api does not answer (the banner). */
  reachable: boolean;
}

type Listener = (state: SessionState) => void;

let state: SessionState = {
  key: readKey(),
  signedOutReason: null,
  reachable: true,
};
const listeners = new Set<Listener>();

function readKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function set(next: Partial<SessionState>): void {
  const changed = (Object.keys(next) as (keyof SessionState)[]).some((k) => next[k] !== state[k]);
  if (!changed) return;
  state = { ...state, ...next };
  for (const listener of listeners) listener(state);
}

export const session = {
  get: (): SessionState => state,
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  signIn(key: string): void {
    sessionStorage.setItem(STORAGE_KEY, key);
    set({ key, signedOutReason: null });
  },
  signOut(reason: string | null = null): void {
    sessionStorage.removeItem(STORAGE_KEY);
    set({ key: null, signedOutReason: reason });
  },
};

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let details: string[] = [];
  try {
    const body = (await response.json()) as { message?: string; details?: string[] };
    if (body.message) message = body.message;
    if (Array.isArray(body.details)) details = body.details;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message, details);
}

/**
 * One request to the api. A 401 signs out (the key expired or was revoked); a network failure marks
 * the api unreachable until the next answer.
 */
export async function api<T>(method: string, path: string, body?: unknown, key = state.key): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    set({ reachable: false });
    throw new ApiError(0, 'the api is unreachable');
  }
  set({ reachable: response.status !== 502 && response.status !== 504 });
  if (response.status === 401 && key === state.key) {
    session.signOut('Your api key expired or was revoked. Sign in with a valid key.');
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string): Promise<T> => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown): Promise<T> => api<T>('POST', path, body ?? {});

/** A query string of the values that are set. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Reads every page of a list, up to `max` items. */
export async function all<T>(path: string, max = 1000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep: string = path.includes('?') ? '&' : '?';
    const page: { items: T[]; nextCursor: string | null } = await get(
      `${path}${sep}limit=${Math.min(500, max)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items.slice(0, max);
}

export type StreamStatus = 'connecting' | 'live' | 'down';

/**
 * Follows GET /v1/incidents/stream with fetch() (EventSource cannot send the Authorization header)
 * and reconnects with a growing pause when it breaks. Returns the function that stops it.
 */
export function followIncidents(
  onEvent: (event: StreamEvent) => void,
  onStatus: (status: StreamStatus) => void,
): () => void {
  const controller = new AbortController();
  let retryMs = 1000;

  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      const key = state.key;
      if (!key) return;
      onStatus('connecting');
      try {
        const response = await fetch('/v1/incidents/stream', {
          headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (response.status === 401) {
          session.signOut('Your api key expired or was revoked. Sign in with a valid key.');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
        set({ reachable: true });
        onStatus('live');
        retryMs = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n');
            if (data) onEvent(JSON.parse(data) as StreamEvent);
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof TypeError) set({ reachable: false });
      }
      if (controller.signal.aborted) return;
      onStatus('down');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 30_000);
    }
  };
  void run();
  return () => controller.abort();
}
