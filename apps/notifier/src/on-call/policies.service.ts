import { Injectable } from '@nestjs/common';
import type {
  ContactKind,
  EscalationPolicyBody,
  EscalationPolicyView,
  EscalationStepView,
  IdRequest,
  Page,
  PageQuery,
  PolicyCheckRequest,
  PolicyCheckView,
  PolicyIssueView,
  UpdateEscalationPolicyRequest,
} from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../clock';
import { isUniqueViolation } from '../database-errors';
import { DirectoryService } from '../directory/directory.service';
import { ChannelsService } from '../paging/channels.service';
import type { EscalationPolicy } from '../escalation/escalation-policy';
import { validatePolicy } from '../escalation/escalation-policy';
import { CHECK_DAYS, checkPolicy, type PolicyIssue } from '../escalation/policy-check';
import { DAY, parseInstant } from '../schedules/local-time';
import { PolicyRecord, StepRecord, TargetRecord } from './on-call.entities';
import { existingIds, isUuid, policyTargets, problemText } from './references-in-definitions';

function conflict(message: string): RpcFailure {
  return new RpcFailure(409, 'conflict', message);
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}

/**
 * Escalation policies: checked with validatePolicy and against the users, teams and schedules they
 * target, stored as steps and targets (whose foreign keys keep a target from being deleted), and checked
 * over the coming days with checkPolicy.
 */
@Injectable()
export class PoliciesService {
  private readonly usable: (kind: ContactKind) => boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryService,
    private readonly clock: Clock,
    channels: ChannelsService,
  ) {
    this.usable = (kind) => channels.configured(kind);
  }

  async create(body: EscalationPolicyBody): Promise<EscalationPolicyView> {
    const id = uuidv7();
    await this.dataSource.transaction(async (em) => {
      const policy = await this.validated(em, body.steps, body.repeat ?? 0);
      await this.write(body.name, () =>
        em.getRepository(PolicyRecord).insert({
          id,
          name: body.name,
          description: body.description ?? null,
          repeat: policy.repeat,
        }),
      );
      await this.writeSteps(em, id, policy);
    });
    return this.get({ id });
  }

  async list(request: PageQuery): Promise<Page<EscalationPolicyView>> {
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(PolicyRecord)
      .createQueryBuilder('p')
      .orderBy('p.id', 'ASC')
      .take(limit + 1);
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (!parts || typeof parts[0] !== 'string' || !isUuid(parts[0]))
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      q.andWhere('p.id > :after', { after: parts[0] });
    }
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    const steps = await this.stepsOf(page.map((p) => p.id));
    const last = page[page.length - 1];
    return {
      items: page.map((p) => view(p, steps.get(p.id) ?? [])),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  async get(request: IdRequest): Promise<EscalationPolicyView> {
    const policy = await this.dataSource.getRepository(PolicyRecord).findOneBy({ id: request.id });
    if (!policy) throw RpcFailure.notFound('escalation policy', request.id);
    const steps = await this.stepsOf([policy.id]);
    return view(policy, steps.get(policy.id) ?? []);
  }

  /** Changes the fields given; new steps are checked whole, as on create, and replace the old ones. */
  async update(request: UpdateEscalationPolicyRequest): Promise<EscalationPolicyView> {
    await this.dataSource.transaction(async (em) => {
      const current = await em
        .getRepository(PolicyRecord)
        .findOne({ where: { id: request.id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw RpcFailure.notFound('escalation policy', request.id);
      const changes: Partial<PolicyRecord> = {};
      if (request.name !== undefined) changes.name = request.name;
      if (request.description !== undefined) changes.description = request.description;
      if (request.repeat !== undefined) changes.repeat = request.repeat;
      if (request.steps !== undefined) {
        const policy = await this.validated(em, request.steps, request.repeat ?? current.repeat);
        await em.getRepository(StepRecord).delete({ policyId: current.id });
        await em.getRepository(TargetRecord).delete({ policyId: current.id });
        await this.writeSteps(em, current.id, policy);
      }
      await this.write(request.name ?? current.name, () =>
        em.getRepository(PolicyRecord).update({ id: current.id }, { ...changes, updatedAt: () => 'now()' }),
      );
    });
    return this.get({ id: request.id });
  }

  async remove(request: IdRequest): Promise<{ deleted: true }> {
    const result = await this.dataSource.getRepository(PolicyRecord).delete({ id: request.id });
    if (!result.affected) throw RpcFailure.notFound('escalation policy', request.id);
    return { deleted: true };
  }

  /**
   * What would go wrong over the coming `days` (30) from `from` (now): gaps where a step has nobody on
   * call, spans where no step has, and users a step reaches who have no usable contact method.
   */
  async check(request: PolicyCheckRequest): Promise<PolicyCheckView> {
    let from = this.clock.now().getTime();
    if (request.from) {
      const parsed = parseInstant(request.from);
      if (parsed === null)
        throw RpcFailure.invalid(['from: not a date and time in 1970–2199 with Z or an offset']);
      from = parsed;
    }
    const days = request.days ?? CHECK_DAYS;
    const loaded = await this.directory.load({ usable: this.usable, policyIds: [request.id] });
    const policy = loaded.policies.get(request.id.toLowerCase());
    if (!policy) throw RpcFailure.notFound('escalation policy', request.id);
    const issues = checkPolicy(policy, loaded.directory, { from, days });
    return {
      policyId: request.id.toLowerCase(),
      from: iso(from),
      to: iso(from + days * DAY),
      ok: issues.length === 0,
      issues: issues.map(issueView),
    };
  }

  /** Every problem of a policy's steps at once: validatePolicy's, then targets that do not exist. */
  private async validated(em: EntityManager, steps: unknown, repeat: number): Promise<EscalationPolicy> {
    const result = validatePolicy({ steps, repeat });
    const problems = result.ok ? [] : result.problems.map(problemText);
    const targets = policyTargets(steps);
    for (const [type, table] of [
      ['user', 'users'],
      ['team', 'teams'],
      ['schedule', 'schedules'],
    ] as const) {
      const existing = await existingIds(
        em,
        table,
        targets[type].map((t) => t.id),
      );
      for (const { path, id } of targets[type]) {
        if (!existing.has(id.toLowerCase()))
          problems.push(`${path}: ${type} ${JSON.stringify(id)} does not exist`);
      }
    }
    if (!result.ok || problems.length > 0) throw RpcFailure.invalid(problems);
    return result.policy;
  }

  private async writeSteps(em: EntityManager, policyId: string, policy: EscalationPolicy): Promise<void> {
    await em
      .getRepository(StepRecord)
      .insert(
        policy.steps.map((step, position) => ({ policyId, position, delayMinutes: step.delayMinutes })),
      );
    await em.getRepository(TargetRecord).insert(
      policy.steps.flatMap((step, index) =>
        step.targets.map((target, position) => ({
          policyId,
          step: index,
          position,
          type: target.type,
          userId: target.type === 'user' ? target.id : null,
          teamId: target.type === 'team' ? target.id : null,
          scheduleId: target.type === 'schedule' ? target.id : null,
        })),
      ),
    );
  }

  /** Runs a write of the policy's row, answering 409 when another policy has the name. */
  private async write(name: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isUniqueViolation(error, 'uq_escalation_policies_name'))
        throw conflict(`an escalation policy named ${name} exists`);
      throw error;
    }
  }

  /** The steps of these policies, in order, with their targets and each target's name. */
  private async stepsOf(policyIds: string[]): Promise<Map<string, EscalationStepView[]>> {
    const byPolicy = new Map<string, EscalationStepView[]>();
    if (policyIds.length === 0) return byPolicy;
    const steps: { policy_id: string; delay_minutes: number }[] = await this.dataSource.query(
      `SELECT "policy_id", "delay_minutes" FROM "notifier"."escalation_steps"
       WHERE "policy_id" = ANY($1::uuid[]) ORDER BY "policy_id", "position"`,
      [policyIds],
    );
    for (const row of steps) {
      byPolicy.set(row.policy_id, [
        ...(byPolicy.get(row.policy_id) ?? []),
        { delayMinutes: row.delay_minutes, targets: [] },
      ]);
    }
    const targets: {
      policy_id: string;
      step: number;
      type: EscalationStepView['targets'][number]['type'];
      id: string;
      name: string;
    }[] = await this.dataSource.query(
      `SELECT t."policy_id", t."step", t."type", coalesce(t."user_id", t."team_id", t."schedule_id") AS "id",
              coalesce(u."name", tm."name", s."name") AS "name"
       FROM "notifier"."escalation_targets" t
       LEFT JOIN "notifier"."users" u ON u."id" = t."user_id"
       LEFT JOIN "notifier"."teams" tm ON tm."id" = t."team_id"
       LEFT JOIN "notifier"."schedules" s ON s."id" = t."schedule_id"
       WHERE t."policy_id" = ANY($1::uuid[]) ORDER BY t."policy_id", t."step", t."position"`,
      [policyIds],
    );
    for (const row of targets) {
      byPolicy.get(row.policy_id)?.[row.step]?.targets.push({ type: row.type, id: row.id, name: row.name });
    }
    return byPolicy;
  }
}

function view(policy: PolicyRecord, steps: EscalationStepView[]): EscalationPolicyView {
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    repeat: policy.repeat,
    steps,
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
  };
}

function issueView(issue: PolicyIssue): PolicyIssueView {
  switch (issue.kind) {
    case 'unknown-target':
      return { kind: issue.kind, reason: issue.reason, step: issue.step, target: issue.target };
    case 'gap':
      return {
        kind: issue.kind,
        reason: issue.reason,
        step: issue.step,
        start: iso(issue.start),
        end: iso(issue.end),
      };
    case 'uncovered':
      return { kind: issue.kind, reason: issue.reason, start: iso(issue.start), end: iso(issue.end) };
    case 'unreachable':
      return {
        kind: issue.kind,
        reason: issue.reason,
        step: issue.step,
        target: issue.target,
        userId: issue.userId,
        firstOnCall: iso(issue.firstOnCall),
      };
  }
}
