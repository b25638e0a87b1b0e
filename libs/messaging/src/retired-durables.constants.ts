import { CONSUMERS } from '@tocsin/contracts';

/** A durable consumer no definition uses any more, and the definition that took over its work. */
export interface RetiredDurable {
  /** Relative name; the server holds it as `<prefix>-<durable>`. */
  readonly durable: string;
  /** The `durable` of the definition in CONSUMERS that replaced it, on the same stream. */
  readonly replacedBy: string;
}

/**
 * Durable consumers that a later consumer definition replaced. Provisioning the replacement deletes
 * them: a durable that nobody consumes any more would otherwise stay on the server, its pending
 * count growing with every message on its filter. Deleting one that does not exist does nothing.
 * Never list a name under which a definition in CONSUMERS is still created (a spec checks this).
 */
export const RETIRED_DURABLES: readonly RetiredDurable[] = [
  // Normalized events went through this single durable on events.normalized.> before they were
  // split by incident key into incident-state-events-<partition>.
  { durable: 'incident-state-events', replacedBy: CONSUMERS.incidentStateEvents.durable },
];
