import { all, get } from '../api';
import type { EscalationPolicy, OnCall, PolicyCheck, Schedule } from '../types';
import { Badge, Empty, ErrorBox, Loading, Section, Time, useLoad, useTitle } from '../ui';

interface ScheduleNow {
  schedule: Schedule;
  now: OnCall | null;
  next: OnCall | null;
  error: string | null;
}

/** Who holds each schedule now, and who comes next (asked at the end of the current shift). */
async function whoIsOnCall(): Promise<ScheduleNow[]> {
  const schedules = await all<Schedule>('/v1/schedules', 200);
  return Promise.all(
    schedules.map(async (schedule) => {
      try {
        const now = await get<OnCall>(`/v1/schedules/${schedule.id}/on-call`);
        const end = now.shift?.end;
        const next = end
          ? await get<OnCall>(`/v1/schedules/${schedule.id}/on-call?at=${encodeURIComponent(end)}`)
          : null;
        return { schedule, now, next, error: null };
      } catch (e) {
        return { schedule, now: null, next: null, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

async function policiesWithChecks(): Promise<
  { policy: EscalationPolicy; check: PolicyCheck | null; error: string | null }[]
> {
  const policies = await all<EscalationPolicy>('/v1/escalation-policies', 200);
  return Promise.all(
    policies.map(async (policy) => {
      try {
        return {
          policy,
          check: await get<PolicyCheck>(`/v1/escalation-policies/${policy.id}/check`),
          error: null,
        };
      } catch (e) {
        return { policy, check: null, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

const people = (call: OnCall | null) =>
  call?.shift ? call.shift.users.map((u) => u.name).join(', ') || 'nobody' : 'nobody';

export function OnCallPage() {
  useTitle('On call');
  const schedules = useLoad(whoIsOnCall, []);
  const policies = useLoad(policiesWithChecks, []);
  return (
    <div>
      <h1>On call</h1>
      <Section title="Schedules" id="schedules">
        <ErrorBox error={schedules.error} what="Could not load schedules" />
        {schedules.loading && !schedules.data ? <Loading what="schedules" /> : null}
        {schedules.data && schedules.data.length === 0 ? (
          <Empty>No schedules yet (POST /v1/schedules).</Empty>
        ) : null}
        {schedules.data && schedules.data.length > 0 ? (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">On call now</th>
                <th scope="col">Until</th>
                <th scope="col">Next</th>
              </tr>
            </thead>
            <tbody>
              {schedules.data.map(({ schedule, now, next, error }) => (
                <tr key={schedule.id}>
                  <td data-label="Schedule">
                    {schedule.name} <span className="muted small">{schedule.timeZone}</span>
                  </td>
                  <td data-label="On call now">
                    {error ? <span className="error inline">{error}</span> : people(now)}
                  </td>
                  <td data-label="Until">
                    <Time at={now?.shift?.end} />
                  </td>
                  <td data-label="Next">{people(next)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Section>
      <Section title="Escalation policies" id="policies">
        <ErrorBox error={policies.error} what="Could not load escalation policies" />
        {policies.loading && !policies.data ? <Loading what="escalation policies" /> : null}
        {policies.data && policies.data.length === 0 ? <Empty>No escalation policies yet.</Empty> : null}
        {(policies.data ?? []).map(({ policy, check, error }) => (
          <article key={policy.id} className="card inner" aria-label={policy.name}>
            <h3>
              {policy.name} {check ? <Badge value={check.ok ? 'ok' : 'issues'} kind="check" /> : null}
            </h3>
            {policy.description ? <p className="muted">{policy.description}</p> : null}
            <ol>
              {policy.steps.map((step, i) => (
                <li key={i}>
                  {step.targets.map((t) => `${t.name} (${t.type})`).join(', ') || 'nobody'}
                  <span className="muted"> · next step after {step.delayMinutes} min</span>
                </li>
              ))}
            </ol>
            <p className="muted small">Repeats {policy.repeat} times.</p>
            {error ? <ErrorBox error={error} what="Check failed" /> : null}
            {check && !check.ok ? (
              <ul className="issues">
                {check.issues.map((issue, i) => (
                  <li key={i}>
                    <Badge value={issue.kind} kind="issue" /> {issue.reason}
                  </li>
                ))}
              </ul>
            ) : null}
            {check?.ok ? (
              <p className="ok small">
                Every step reaches somebody from <Time at={check.from} /> to <Time at={check.to} />.
              </p>
            ) : null}
          </article>
        ))}
      </Section>
    </div>
  );
}
