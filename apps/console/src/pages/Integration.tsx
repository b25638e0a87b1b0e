import { useEffect, useRef, useState } from 'react';
import { ApiError, api, get, post, query } from '../api';
import {
  OUTCOMES,
  type DryRun,
  type InboundMessage,
  type Integration,
  type Page,
  type Template,
} from '../types';
import { jsonProblem } from '../json-problem';
import {
  Badge,
  CopyButton,
  Empty,
  ErrorBox,
  Link,
  Loading,
  Section,
  Select,
  Time,
  setSearch,
  useAction,
  useLoad,
  useLocation,
  useTitle,
} from '../ui';

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function IntegrationPage({ id }: { id: string }) {
  const integration = useLoad(() => get<Integration>(`/v1/integrations/${encodeURIComponent(id)}`), [id]);
  const templates = useLoad(() => get<Page<Template>>('/v1/templates'), []);
  const [shownUrl, setShownUrl] = useState<string | null>(null);
  const [payloadFromLog, setPayloadFromLog] = useState<InboundMessage | null>(null);
  const action = useAction();
  useTitle(integration.data?.name ?? 'Integration');

  if (integration.error) {
    return (
      <div>
        <p>
          <Link to="/integrations">← Integrations</Link>
        </p>
        <ErrorBox error={integration.error} what="Could not load the integration" />
      </div>
    );
  }
  const i = integration.data;
  if (!i) return <Loading what="the integration" />;

  const toggle = () =>
    action.run(async () => {
      const next = await post<Integration>(`/v1/integrations/${i.id}/${i.enabled ? 'disable' : 'enable'}`);
      integration.setData(() => next);
    });
  const rotate = () => {
    if (!window.confirm(`Rotate the token of “${i.name}”? The current URL stops working at once.`)) return;
    void action.run(async () => {
      const next = await post<Integration>(`/v1/integrations/${i.id}/rotate-token`);
      setShownUrl(next.url);
      integration.setData(() => next);
    });
  };

  return (
    <div>
      <p>
        <Link to="/integrations">← Integrations</Link>
      </p>
      <div className="title-row">
        <h1>{i.name}</h1>
        <Badge value={i.enabled ? 'enabled' : 'disabled'} />
      </div>
      <p className="muted">
        {i.kind} integration · {i.template ? `from the ${i.template} template` : 'custom mapping'} · created{' '}
        <Time at={i.createdAt} />
      </p>
      <Section title="Where producers send" id="url">
        <p className="url-row">
          <code className="url">{shownUrl ?? i.url}</code>
          <CopyButton text={shownUrl ?? i.url} label="Copy URL" />
        </p>
        {shownUrl ? (
          <p className="muted small" role="status">
            The new token is shown only now; the old URL no longer works.
          </p>
        ) : (
          <p className="muted small">
            The token (<code>{'{token}'}</code>) was shown once, at creation. Rotate it to get a new URL.
          </p>
        )}
        <div className="action-group">
          <button type="button" onClick={() => void toggle()} disabled={action.busy}>
            {i.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" onClick={rotate} disabled={action.busy}>
            Rotate token
          </button>
        </div>
        <ErrorBox error={action.error} />
      </Section>
      <MappingEditor
        integration={i}
        templates={templates.data?.items ?? []}
        fromLog={payloadFromLog}
        onSaved={(next) => integration.setData(() => next)}
      />
      <InboundLog integration={i} onTry={setPayloadFromLog} />
    </div>
  );
}

type PayloadSource = 'template' | 'pasted' | 'log';

function MappingEditor({
  integration,
  templates,
  fromLog,
  onSaved,
}: {
  integration: Integration;
  templates: Template[];
  fromLog: InboundMessage | null;
  onSaved: (integration: Integration) => void;
}) {
  const [draft, setDraft] = useState(() => pretty(integration.mapping));
  const [sampleOf, setSampleOf] = useState(integration.template ?? 'generic');
  const [source, setSource] = useState<PayloadSource>('template');
  const [pasted, setPasted] = useState(
    '{\n  "status": "firing",\n  "title": "Disk full on db-1",\n  "id": "db-1-disk"\n}',
  );
  const [result, setResult] = useState<DryRun | null>(null);
  const [problem, setProblem] = useState<ApiError | string | null>(null);
  const [running, setRunning] = useState(false);
  const save = useAction();
  const [saved, setSaved] = useState(false);
  const sequence = useRef(0);

  useEffect(() => {
    if (fromLog) setSource('log');
  }, [fromLog]);

  const template = templates.find((t) => t.name === sampleOf);
  const payloadText =
    source === 'template'
      ? template
        ? pretty(template.sample)
        : null
      : source === 'pasted'
        ? pasted
        : fromLog
          ? fromLog.body
          : null;
  const mappingProblem = jsonProblem(draft);
  const payloadProblem = payloadText === null ? null : jsonProblem(payloadText);

  // Validated as you type: the draft's JSON here, then the api compiles it and runs the payload through
  // it (a dry run stores nothing). Only the latest answer counts.
  useEffect(() => {
    setSaved(false);
    if (mappingProblem) {
      setProblem(`The mapping is not JSON: ${mappingProblem}`);
      setResult(null);
      return;
    }
    if (payloadText === null) {
      setProblem(
        source === 'log' ? 'Pick a message in the inbound log below (“Try it”).' : 'Loading the sample…',
      );
      setResult(null);
      return;
    }
    if (payloadProblem) {
      setProblem(`The payload is not JSON: ${payloadProblem}`);
      setResult(null);
      return;
    }
    const mine = ++sequence.current;
    setRunning(true);
    const timer = setTimeout(() => {
      api<DryRun>('POST', `/v1/integrations/${integration.id}/test`, {
        payload: JSON.parse(payloadText) as unknown,
        mapping: JSON.parse(draft) as unknown,
        ...(source === 'log' && fromLog ? { headers: fromLog.headers } : {}),
      }).then(
        (answer) => {
          if (mine !== sequence.current) return;
          setResult(answer);
          setProblem(null);
          setRunning(false);
        },
        (error: unknown) => {
          if (mine !== sequence.current) return;
          setResult(null);
          setProblem(error instanceof ApiError ? error : String(error));
          setRunning(false);
        },
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [draft, payloadText, integration.id, mappingProblem, payloadProblem, source, fromLog]);

  const saveDraft = () =>
    save.run(async () => {
      const next = await api<Integration>('PATCH', `/v1/integrations/${integration.id}`, {
        mapping: JSON.parse(draft) as unknown,
      });
      onSaved(next);
      setSaved(true);
    });

  return (
    <Section title="Mapping" id="mapping">
      <p className="muted small">
        The rules that turn a payload into events (DESIGN.md section 4): <code>rules</code> tried in order (
        <code>open</code>, <code>close</code>, <code>acknowledge</code>, <code>update</code>,{' '}
        <code>ignore</code>) with <code>equals</code>, <code>in</code>, <code>contains</code> or{' '}
        <code>matches</code>; <code>filters</code>, <code>each</code>, and <code>{'{{path}}'}</code> templates
        for <code>dedupKey</code>, <code>title</code>, <code>severity</code>, <code>service</code>. The dry
        run below follows every change.
      </p>
      <div className="editor">
        <div className="pane">
          <div className="toolbar">
            <Select
              label="Start from template"
              value=""
              any="choose…"
              options={templates.map((t) => ({ value: t.name, label: t.title }))}
              onChange={(name) => {
                const t = templates.find((x) => x.name === name);
                if (!t) return;
                setDraft(pretty(t.mapping));
                setSampleOf(t.name);
                setSource('template');
              }}
            />
          </div>
          <label className="field">
            <span>Mapping (JSON)</span>
            <textarea
              className="code"
              data-testid="mapping"
              spellCheck={false}
              rows={22}
              value={draft}
              aria-invalid={
                mappingProblem !== null || (problem instanceof ApiError && problem.status === 400)
              }
              aria-describedby="mapping-status"
              onChange={(e) => setDraft(e.target.value)}
            />
          </label>
          <div className="action-group">
            <button
              type="button"
              className="primary"
              disabled={
                save.busy ||
                mappingProblem !== null ||
                (problem instanceof ApiError && problem.status === 400)
              }
              onClick={() => void saveDraft()}
            >
              Save mapping
            </button>
            <button type="button" onClick={() => setDraft(pretty(integration.mapping))}>
              Revert to saved
            </button>
            {saved ? (
              <span role="status" className="ok">
                Saved
              </span>
            ) : null}
          </div>
          <ErrorBox error={save.error} what="Could not save" />
        </div>
        <div className="pane">
          <fieldset className="source">
            <legend>Try it with</legend>
            {(
              [
                ['template', 'the template’s sample'],
                ['pasted', 'a payload I paste'],
                ['log', 'a message from the inbound log'],
              ] as const
            ).map(([value, label]) => (
              <label key={value} className="radio">
                <input
                  type="radio"
                  name="payload-source"
                  value={value}
                  checked={source === value}
                  onChange={() => setSource(value)}
                />
                {label}
              </label>
            ))}
          </fieldset>
          {source === 'template' ? (
            <Select
              label="Sample of"
              value={sampleOf}
              options={templates.map((t) => ({ value: t.name, label: t.title }))}
              onChange={setSampleOf}
            />
          ) : null}
          {source === 'pasted' ? (
            <label className="field">
              <span>Payload (JSON)</span>
              <textarea
                className="code"
                data-testid="payload"
                spellCheck={false}
                rows={10}
                value={pasted}
                onChange={(e) => setPasted(e.target.value)}
              />
            </label>
          ) : null}
          {source === 'log' && fromLog ? (
            <p className="muted small">
              Message <code>{fromLog.id}</code> received <Time at={fromLog.receivedAt} />
            </p>
          ) : null}
          {payloadText !== null && source !== 'pasted' ? (
            <details>
              <summary>Payload</summary>
              <pre className="body">{payloadText}</pre>
            </details>
          ) : null}
          <div id="mapping-status" aria-live="polite" className="dry-run" data-testid="dry-run">
            <h3>Dry run {running ? <span className="muted small">(running…)</span> : null}</h3>
            {problem ? (
              <ErrorBox
                error={problem}
                what={problem instanceof ApiError && problem.status === 400 ? 'Invalid' : undefined}
              />
            ) : null}
            {result ? <DryRunResult result={result} /> : null}
          </div>
        </div>
      </div>
    </Section>
  );
}

function DryRunResult({ result }: { result: DryRun }) {
  return (
    <div>
      <p>
        Outcome: <Badge value={result.outcome} kind="outcome" />{' '}
        <span data-testid="dry-run-outcome" className="sr-only">
          {result.outcome}
        </span>
        {result.eventCount !== 1 ? <span className="muted"> ({result.eventCount} events)</span> : null}
      </p>
      {result.detail ? <p className="detail">{result.detail}</p> : null}
      {result.events.length > 0 ? (
        <table className="list small">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Outcome</th>
              <th scope="col">Action</th>
              <th scope="col">Rule</th>
              <th scope="col">Dedup key</th>
              <th scope="col">Title</th>
              <th scope="col">Severity</th>
              <th scope="col">Service</th>
            </tr>
          </thead>
          <tbody>
            {result.events.map((e) => (
              <tr key={e.index} data-testid="dry-run-event">
                <td data-label="#">{e.index}</td>
                <td data-label="Outcome">
                  <Badge value={e.outcome} kind="outcome" />
                  {e.detail ? <div className="detail">{e.detail}</div> : null}
                </td>
                <td data-label="Action">{e.action ?? '—'}</td>
                <td data-label="Rule">{e.rule ?? '—'}</td>
                <td data-label="Dedup key">
                  <code>{e.dedupKey ?? '—'}</code>
                  {e.dedupKeyFallback ? <span className="muted"> (hash)</span> : null}
                </td>
                <td data-label="Title">{e.title ?? '—'}</td>
                <td data-label="Severity">{e.severity ?? '—'}</td>
                <td data-label="Service">{e.service ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function InboundLog({
  integration,
  onTry,
}: {
  integration: Integration;
  onTry: (m: InboundMessage) => void;
}) {
  const { search } = useLocation();
  const outcome = search.get('outcome') ?? '';
  const open = search.get('hook');
  const [cursor, setCursor] = useState<string | null>(null);
  const log = useLoad(
    () =>
      get<Page<InboundMessage>>(
        `/v1/integrations/${integration.id}/inbound${query({ outcome, limit: 50, cursor })}`,
      ),
    [integration.id, outcome, cursor],
  );
  const detail = useLoad(
    () =>
      open
        ? get<InboundMessage>(`/v1/integrations/${integration.id}/inbound/${encodeURIComponent(open)}`)
        : Promise.resolve(null),
    [integration.id, open],
  );
  const params = (change: Record<string, string>) => ({ outcome, hook: open ?? '', ...change });

  return (
    <Section title="Inbound log" id="inbound">
      <div className="filters">
        <Select
          label="Outcome"
          value={outcome}
          any="any"
          options={[...OUTCOMES]}
          onChange={(value) => {
            setCursor(null);
            setSearch(params({ outcome: value }));
          }}
        />
        <div className="field">
          <span aria-hidden="true">&nbsp;</span>
          <button type="button" onClick={log.reload}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorBox error={log.error} what="Could not load the inbound log" />
      {log.data && log.data.items.length === 0 ? (
        <Empty>
          {outcome
            ? `No messages with outcome ${outcome}.`
            : 'Nothing received yet. Send a webhook to the URL above.'}
        </Empty>
      ) : null}
      {log.data && log.data.items.length > 0 ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Outcome</th>
              <th scope="col">Rule</th>
              <th scope="col">Dedup key</th>
              <th scope="col">Events</th>
              <th scope="col">Incident</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {log.data.items.map((m) => (
              <tr key={m.id} aria-selected={m.id === open}>
                <td data-label="Received">
                  <Time at={m.receivedAt} />
                </td>
                <td data-label="Outcome">
                  <Badge value={m.outcome} kind="outcome" />
                  {m.detail ? <div className="detail">{m.detail}</div> : null}
                </td>
                <td data-label="Rule">{m.rule ?? '—'}</td>
                <td data-label="Dedup key">
                  <code>{m.dedupKey ?? '—'}</code>
                </td>
                <td data-label="Events">{m.eventCount}</td>
                <td data-label="Incident">
                  {m.incidentId ? <Link to={`/incidents/${m.incidentId}`}>open</Link> : '—'}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={() => setSearch(params({ hook: m.id === open ? '' : m.id }))}
                  >
                    {m.id === open ? 'Hide' : 'Details'}
                  </button>
                  <button type="button" onClick={() => onTry(m)}>
                    Try it
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {log.data?.nextCursor ? (
        <button type="button" onClick={() => setCursor(log.data?.nextCursor ?? null)}>
          Older messages
        </button>
      ) : null}
      {cursor ? (
        <button type="button" onClick={() => setCursor(null)}>
          Newest
        </button>
      ) : null}
      <ErrorBox error={detail.error} what="Could not load the message" />
      {detail.data ? <InboundDetail message={detail.data} onTry={onTry} /> : null}
    </Section>
  );
}

function InboundDetail({ message, onTry }: { message: InboundMessage; onTry: (m: InboundMessage) => void }) {
  let body = message.body;
  try {
    body = pretty(JSON.parse(message.body));
  } catch {
    // shown as received
  }
  return (
    <article className="card inner" aria-label={`Message ${message.id}`}>
      <h3>
        Message <code>{message.id}</code>
      </h3>
      <p>
        <Badge value={message.outcome} kind="outcome" /> received <Time at={message.receivedAt} />
        {message.rule ? ` · rule ${message.rule}` : ''}
        {message.dedupKey ? (
          <>
            {' '}
            · dedup key <code>{message.dedupKey}</code>
          </>
        ) : null}
      </p>
      {message.detail ? <p className="detail">{message.detail}</p> : null}
      <button type="button" onClick={() => onTry(message)}>
        Try it in the dry run
      </button>
      <h4>Headers</h4>
      {Object.keys(message.headers).length === 0 ? (
        <Empty>None kept.</Empty>
      ) : (
        <dl className="headers">
          {Object.entries(message.headers).map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <h4>
        Body{' '}
        {message.bodyTruncated ? (
          <span className="muted small">(first part of {message.bodyLength} characters)</span>
        ) : null}
      </h4>
      <pre className="body">{body}</pre>
      <h4>Events</h4>
      <ul className="plain">
        {message.events.map((e) => (
          <li key={e.index}>
            {e.index}: <Badge value={e.outcome} kind="outcome" /> {e.action ?? ''}{' '}
            {e.rule ? `rule ${e.rule}` : ''} {e.dedupKey ? <code>{e.dedupKey}</code> : null} {e.title ?? ''}
            {e.detail ? <div className="detail">{e.detail}</div> : null}
          </li>
        ))}
      </ul>
    </article>
  );
}
