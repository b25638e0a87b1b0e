/** The 202 bodies of `POST /deploys/{token}`, word for word as OpsLevel answers them. */
export type DeployAnswer =
  | { result: 'ok' }
  | { result: 'no_service_found'; message: string }
  | { result: 'duplicate_deploy'; message: string };

export const DEPLOY_OK: DeployAnswer = { result: 'ok' };

export const DUPLICATE_DEPLOY: DeployAnswer = {
  result: 'duplicate_deploy',
  message: 'Deploy not created due to existing deploy with identical dedup_id',
};

export function noServiceFound(alias: string): DeployAnswer {
  return {
    result: 'no_service_found',
    message: `No service found matching alias '${alias}'. Recording '${alias}' as a suggestion.`,
  };
}
