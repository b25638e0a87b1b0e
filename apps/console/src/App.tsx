import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { api, ApiError, session } from './api';
import { IncidentPage } from './pages/Incident';
import { IncidentsPage } from './pages/Incidents';
import { IntegrationPage } from './pages/Integration';
import { IntegrationsPage } from './pages/Integrations';
import { DeploysPage } from './pages/Deploys';
import { ServicesPage } from './pages/Services';
import { OnCallPage } from './pages/OnCall';
import { OverviewPage } from './pages/Overview';
import { Link, useLocation } from './ui';

const NAV = [
  { to: '/', label: 'Incidents' },
  { to: '/overview', label: 'Overview' },
  { to: '/integrations', label: 'Integrations' },
  { to: '/deploys', label: 'Deploys' },
  { to: '/services', label: 'Services' },
  { to: '/on-call', label: 'On call' },
];

function useSession() {
  return useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.get(),
  );
}

export function App() {
  const state = useSession();
  if (!state.key) return <SignIn reason={state.signedOutReason} />;
  return <Shell reachable={state.reachable} />;
}

function SignIn({ reason }: { reason: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Any list the key may read proves it; nothing is stored until the api accepted it.
      await api('GET', '/v1/templates', undefined, key.trim());
      session.signIn(key.trim());
    } catch (e) {
      if (e instanceof ApiError && e.status === 0) setError('The api is unreachable. Is Tocsin running?');
      else if (e instanceof ApiError && e.status === 401) setError('That key is unknown or revoked.');
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <h1>
        <span className="logo" aria-hidden="true" /> Tocsin
      </h1>
      {reason ? (
        <p className="error" role="alert">
          {reason}
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)} className="card">
        <label className="field">
          <span>API key</span>
          <input
            type="password"
            name="key"
            autoComplete="current-password"
            required
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        <p className="muted small">
          The key stays in this tab (session storage) and is sent only to this api. <code>npm start</code>{' '}
          prints the admin key; <code>POST /v1/api-keys</code> makes read-only and responder keys.
        </p>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function Shell({ reachable }: { reachable: boolean }) {
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // A new page moves the focus to its content, as a page load would for a screen reader.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);

  // While the api does not answer, ask it every few seconds so the banner goes once it is back.
  useEffect(() => {
    if (reachable) return;
    const timer = setInterval(() => void api('GET', '/v1/templates').catch(() => undefined), 5_000);
    return () => clearInterval(timer);
  }, [reachable]);
  const section = '/' + (path.split('/')[1] ?? '');
  const current = (to: string) => (to === '/' ? section === '/' || section === '/incidents' : section === to);
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          <span className="logo" aria-hidden="true" /> Tocsin
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} current={current(item.to)}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="link" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      {!reachable ? (
        <div className="banner" role="alert">
          The api is unreachable. What you see may be stale; the console retries on its own.
        </div>
      ) : null}
      <main id="main" tabIndex={-1} ref={main}>
        <Route path={path} />
      </main>
    </>
  );
}

function Route({ path }: { path: string }) {
  const parts = path.split('/').filter(Boolean);
  const [first, second] = parts;
  if (!first || first === 'incidents') {
    return second ? <IncidentPage id={second} /> : <IncidentsPage />;
  }
  switch (first) {
    case 'overview':
      return <OverviewPage />;
    case 'integrations':
      return second ? <IntegrationPage id={second} /> : <IntegrationsPage />;
    case 'deploys':
      return <DeploysPage />;
    case 'services':
      return <ServicesPage />;
    case 'on-call':
      return <OnCallPage />;
    default:
      return (
        <div>
          <h1>Not found</h1>
          <p>
            There is no page at <code>{path}</code>. <Link to="/">Back to incidents</Link>.
          </p>
        </div>
      );
  }
}
