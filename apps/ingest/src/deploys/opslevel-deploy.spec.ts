import { DeployReceivedV1, flattenErrors } from '@tocsin/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { parseOpsLevelDeploy, type OpsLevelDeployResult } from './opslevel-deploy';

/** A deploy in the shape of OpsLevel's documented example (fields, date form, string deploy number). */
const OPSLEVEL_EXAMPLE = {
  service: 'shopping_cart_service',
  description: "Merge branch 'fix-timeout' into 'master'",
  environment: 'Production',
  deployed_at: '2019-02-01 13:28:33',
  deployer: { email: 'mscott@example.com', name: 'Michael Scott', id: 'mscott' },
  deploy_url: 'https://ci.example.com/deploys/12345',
  deploy_number: '12345',
  dedup_id: '9ac72b7d-3b6f-4a51-9a5e-ef0b4e5a8b6e',
  commit: {
    sha: '38d02f1d7aab64678a7ad3eeb2ad2887ce7253f5',
    message: "Merge branch 'fix-timeout' into 'master'",
    branch: 'master',
    date: '2019-02-01 13:20:00',
    committer_name: 'Michael Scott',
    committer_email: 'mscott@example.com',
    author_name: 'Dwight Schrute',
    author_email: 'dschrute@example.com',
    authoring_date: '2019-02-01 12:59:10',
  },
};

function parse(body: unknown, contentType: string | undefined = 'application/json'): OpsLevelDeployResult {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return parseOpsLevelDeploy(contentType, Buffer.from(raw));
}

function details(body: unknown): string[] {
  const result = parse(body);
  if (result.ok) throw new Error('the deploy was accepted');
  expect(result.status).toBe(400);
  for (const e of result.errors) expect(e.status).toBe(400);
  return result.errors.map((e) => e.detail);
}

describe('parseOpsLevelDeploy', () => {
  it("reads OpsLevel's example deploy, dates in UTC and every field under its stored name", () => {
    const result = parse(OPSLEVEL_EXAMPLE);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.deploy).toEqual({
      service: 'shopping_cart_service',
      description: "Merge branch 'fix-timeout' into 'master'",
      environment: 'Production',
      deployedAt: '2019-02-01T13:28:33.000Z',
      deployer: { email: 'mscott@example.com', name: 'Michael Scott', id: 'mscott' },
      deployUrl: 'https://ci.example.com/deploys/12345',
      deployNumber: '12345',
      dedupId: '9ac72b7d-3b6f-4a51-9a5e-ef0b4e5a8b6e',
      commit: {
        sha: '38d02f1d7aab64678a7ad3eeb2ad2887ce7253f5',
        message: "Merge branch 'fix-timeout' into 'master'",
        branch: 'master',
        date: '2019-02-01T13:20:00.000Z',
        committerName: 'Michael Scott',
        committerEmail: 'mscott@example.com',
        authorName: 'Dwight Schrute',
        authorEmail: 'dschrute@example.com',
        authoringDate: '2019-02-01T12:59:10.000Z',
      },
    });
  });

  it('takes the least OpsLevel requires: service, description, deployed_at and a deployer name or email', () => {
    const byName = parse({
      service: 'a',
      description: 'd',
      deployed_at: '2024-05-01T10:00:00Z',
      deployer: { name: 'n' },
    });
    expect(byName).toEqual({
      ok: true,
      deploy: {
        service: 'a',
        description: 'd',
        deployedAt: '2024-05-01T10:00:00.000Z',
        deployer: { name: 'n' },
      },
    });
    const byEmail = parse({
      service: 'a',
      description: 'd',
      deployed_at: '2024-05-01',
      deployer: { email: 'e@x' },
    });
    expect(byEmail.ok).toBe(true);
  });

  it('names every missing field in OpsLevel’s words, one entry each', () => {
    const result = parse({});
    if (result.ok) throw new Error('accepted');
    expect(result.errors).toEqual([
      { status: 400, title: 'Missing parameter', detail: 'param is missing or the value is empty: service' },
      {
        status: 400,
        title: 'Missing parameter',
        detail: 'param is missing or the value is empty: description',
      },
      {
        status: 400,
        title: 'Missing parameter',
        detail: 'param is missing or the value is empty: deployed_at',
      },
      { status: 400, title: 'Missing parameter', detail: 'param is missing or the value is empty: deployer' },
    ]);
    expect(details({ ...OPSLEVEL_EXAMPLE, service: '  ', deployed_at: '' })).toEqual([
      'param is missing or the value is empty: service',
      'param is missing or the value is empty: deployed_at',
    ]);
  });

  it('refuses a deployer with neither email nor name', () => {
    expect(details({ ...OPSLEVEL_EXAMPLE, deployer: { id: 'x', email: '', name: null } })).toEqual([
      'param is missing or the value is empty: deployer.email or deployer.name',
    ]);
    expect(details({ ...OPSLEVEL_EXAMPLE, deployer: 'mscott' })).toEqual([
      'deployer must be an object with an email or a name, not a string',
    ]);
  });

  it('refuses dates that do not parse, naming the field and the forms it takes', () => {
    expect(
      details({ ...OPSLEVEL_EXAMPLE, deployed_at: 'last tuesday', commit: { date: '2019-02-31 10:00:00' } }),
    ).toEqual([
      'deployed_at is not a date: "last tuesday"; send "2019-02-01 13:28:33" (UTC) or ISO 8601',
      'commit.date is not a date: "2019-02-31 10:00:00"; send "2019-02-01 13:28:33" (UTC) or ISO 8601',
    ]);
    expect(details({ ...OPSLEVEL_EXAMPLE, deployed_at: 1549027713 })).toEqual([
      'deployed_at must be a date string, not a number',
    ]);
  });

  it('refuses wrong types, every one of them', () => {
    expect(
      details({
        ...OPSLEVEL_EXAMPLE,
        service: 42,
        description: ['d'],
        environment: {},
        deploy_url: true,
        deploy_number: 1.5,
        dedup_id: { id: 1 },
        commit: { sha: 123, branch: ['main'] },
        deployer: { email: 'e@x', name: 7 },
      }),
    ).toEqual([
      'service must be a string, not a number',
      'description must be a string, not an array',
      'deployer.name must be a string, not a number',
      'environment must be a string, not an object',
      'deploy_url must be a string, not a boolean',
      'deploy_number must be a string or a whole number, not 1.5',
      'dedup_id must be a string or a whole number, not an object',
      'commit.sha must be a string, not a number',
      'commit.branch must be a string, not an array',
    ]);
    expect(details({ ...OPSLEVEL_EXAMPLE, commit: 'abc' })).toEqual([
      'commit must be an object, not a string',
    ]);
  });

  it('keeps deploy_number and dedup_id sent as whole numbers, as text', () => {
    const result = parse({ ...OPSLEVEL_EXAMPLE, deploy_number: 42, dedup_id: 7 });
    expect(result).toMatchObject({ ok: true, deploy: { deployNumber: '42', dedupId: '7' } });
  });

  it('refuses values longer than a deploy keeps', () => {
    expect(
      details({ ...OPSLEVEL_EXAMPLE, service: 's'.repeat(256), deploy_url: `https://x/${'u'.repeat(2048)}` }),
    ).toEqual(['service is longer than 255 characters', 'deploy_url is longer than 2048 characters']);
  });

  it.each([
    ['[1,2]', "the body must be a JSON object with the deploy's fields, not an array"],
    ['"deploy"', "the body must be a JSON object with the deploy's fields, not a string"],
    ['null', "the body must be a JSON object with the deploy's fields, not null"],
  ])('refuses the top-level shape %s', (raw, detail) => {
    const result = parse(raw);
    expect(result).toEqual({
      ok: false,
      status: 400,
      errors: [{ status: 400, title: 'Unrecognized body', detail }],
    });
  });

  it('refuses malformed JSON, bytes that are not UTF-8 and an empty body with the reason', () => {
    expect(parse('{"service":')).toMatchObject({
      ok: false,
      errors: [
        { title: 'Malformed body', detail: expect.stringMatching(/^the body is not JSON: /) as unknown },
      ],
    });
    expect(parseOpsLevelDeploy('application/json', Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({
      ok: false,
      errors: [{ detail: 'the body is not JSON: the body is not valid UTF-8' }],
    });
    expect(parseOpsLevelDeploy('application/json', Buffer.alloc(0))).toMatchObject({
      ok: false,
      errors: [{ detail: 'the body is empty; send the deploy as JSON' }],
    });
  });

  it('reads JSON whatever JSON type it is sent as, and refuses other content types with 415', () => {
    for (const type of [
      'application/json; charset=utf-8',
      'application/vnd.api+json',
      'text/plain',
      undefined,
    ]) {
      expect(parse(OPSLEVEL_EXAMPLE, type).ok).toBe(true);
    }
    expect(parse(OPSLEVEL_EXAMPLE, 'application/x-www-form-urlencoded')).toMatchObject({
      ok: false,
      status: 415,
      errors: [{ status: 415, title: 'Unsupported Media Type' }],
    });
  });

  it('ignores fields OpsLevel does not know, and never stores them', () => {
    const raw = `{"__proto__":{"polluted":true},"extra":"x",${JSON.stringify(OPSLEVEL_EXAMPLE).slice(1)}`;
    const result = parse(raw);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(Object.keys(result.deploy)).not.toContain('extra');
    expect(JSON.stringify(result.deploy)).not.toContain('polluted');
  });

  it('makes messages that satisfy the deploy.received contract, at every length it allows', () => {
    const longest = {
      ...OPSLEVEL_EXAMPLE,
      service: 's'.repeat(255),
      description: 'd'.repeat(65_536),
      environment: 'e'.repeat(255),
      deploy_url: 'u'.repeat(2048),
      deploy_number: 'n'.repeat(255),
      dedup_id: 'i'.repeat(255),
      deployer: { email: 'e'.repeat(255), name: 'n'.repeat(255), id: 'i'.repeat(255) },
      commit: { ...OPSLEVEL_EXAMPLE.commit, sha: 'a'.repeat(255), message: 'm'.repeat(65_536) },
    };
    for (const body of [OPSLEVEL_EXAMPLE, longest]) {
      const result = parse(body);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      const message = plainToInstance(DeployReceivedV1, {
        ...result.deploy,
        deployId: randomUUID(),
        integrationId: randomUUID(),
        source: 'opslevel',
        receivedAt: new Date().toISOString(),
      });
      expect(flattenErrors(validateSync(message, { forbidUnknownValues: true }))).toEqual([]);
    }
  });
});
