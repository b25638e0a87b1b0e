import { RPC } from '@tocsin/contracts';
import type { BenchInstallation } from './installation';

/** What `rpc.normalize.integrations.create` answers, the parts the benchmarks use. */
export interface CreatedIntegration {
  id: string;
  token: string;
}

/** Asks a running service over the installation's request/reply subjects, as the api does. */
export async function rpc<T>(installation: BenchInstallation, subject: string, body: object): Promise<T> {
  const reply = await installation.nc.request(installation.naming.subject(subject), JSON.stringify(body), {
    timeout: 10_000,
  });
  const answer = reply.json<{ ok: boolean; data?: T; error?: { message: string } }>();
  if (!answer.ok) throw new Error(`${subject}: ${answer.error?.message ?? 'failed'}`);
  return answer.data as T;
}

/** Creates an alert integration through normalize (which must be running) from a template. */
export function createIntegration(
  installation: BenchInstallation,
  name: string,
  template: string,
): Promise<CreatedIntegration> {
  return rpc<CreatedIntegration>(installation, RPC.normalize.createIntegration, {
    name,
    kind: 'alert',
    template,
  });
}

/** POSTs until ingest answers 202 (its token index has the integration), at most `timeoutMs`. */
export async function waitAccepted(url: string, body: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(2_000),
      });
      last = `${response.status} ${await response.text()}`;
      if (response.status === 202) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `${url.replace(/\/hooks\/.*/, '/hooks/…')} did not accept a hook within ${timeoutMs} ms: ${last}`,
  );
}
