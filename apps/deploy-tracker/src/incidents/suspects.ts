/*
 * Which deploys are suspects of an incident: the rule, as plain functions over plain data.
 *
 * A deploy is a suspect of an incident when both are of the same service, the deploy happened
 * within the window before the incident opened (at the same instant included), and, when both say
 * an environment, they say the same one (ignoring case). Suspects are listed nearest first.
 */

export interface IncidentFacts {
  openedAt: Date;
  environment: string | null;
}

export interface DeployFacts {
  id: string;
  deployedAt: Date;
  environment: string | null;
}

export interface Suspect {
  deployId: string;
  secondsBefore: number;
  reason: string;
}

/** The most suspects kept for one incident. */
export const MAX_SUSPECTS = 50;

/** Why `deploy` is a suspect of `incident` (both of the service `serviceName`), or null if it is not. */
export function suspectOf(
  incident: IncidentFacts,
  deploy: DeployFacts,
  serviceName: string,
  windowMs: number,
): Suspect | null {
  const gapMs = incident.openedAt.getTime() - deploy.deployedAt.getTime();
  if (gapMs < 0 || gapMs > windowMs) return null;
  const sameEnvironment = incident.environment !== null && deploy.environment !== null;
  if (sameEnvironment && !sameText(incident.environment, deploy.environment)) return null;
  const secondsBefore = Math.floor(gapMs / 1000);
  const reasons = [
    `deployed ${duration(secondsBefore)} before the incident opened`,
    `same service (${serviceName})`,
    ...(sameEnvironment ? [`same environment (${deploy.environment})`] : []),
  ];
  return { deployId: deploy.id, secondsBefore, reason: reasons.join('; ') };
}

/** The suspects of an incident among `deploys`, nearest first, at most MAX_SUSPECTS. */
export function selectSuspects(
  incident: IncidentFacts,
  deploys: readonly DeployFacts[],
  serviceName: string,
  windowMs: number,
): Suspect[] {
  return deploys
    .map((deploy) => suspectOf(incident, deploy, serviceName, windowMs))
    .filter((s): s is Suspect => s !== null)
    .sort((a, b) => a.secondsBefore - b.secondsBefore || a.deployId.localeCompare(b.deployId))
    .slice(0, MAX_SUSPECTS);
}

/** "under a minute", "12 min", "1 h 5 min", "3 h". */
export function duration(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

function sameText(a: string | null, b: string | null): boolean {
  return (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();
}
