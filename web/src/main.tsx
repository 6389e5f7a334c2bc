import { type ComponentType, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Me, setSession, whenUnauthorized, whoAmI } from './api';
import { startLive, stopLive } from './live';
import { AlertsPage } from './pages/alerts';
import { IncidentPage, IncidentsPage } from './pages/incidents';
import { JobsPage } from './pages/jobs';
import { LoginPage } from './pages/login';
import { OncallPage } from './pages/oncall';
import { OverviewPage } from './pages/overview';
import { RoutineRunPage, RoutinesPage } from './pages/routines';
import { SilencesPage } from './pages/silences';
import { StatusPublicPage } from './pages/status';
import { interceptLinks, navigate, usePath } from './router';
import { setCurrent } from './session';
import './style.css';

/**
 * A page loaded on first use: the check page brings uPlot, which the overview
 * (the page most people open first) does not need to download or compile.
 */
function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let Loaded: ComponentType<P> | undefined;
  let loading: Promise<void> | undefined;
  return (props: P) => {
    const [, setReady] = useState(false);
    if (Loaded) return <Loaded {...props} />;
    loading ??= load().then((c) => {
      Loaded = c;
    });
    void loading.then(() => setReady(true));
    return <p aria-busy="true">Loading…</p>;
  };
}

const CheckPage = lazy(() => import('./pages/check').then((m) => m.CheckPage));

const nav = [
  ['/', 'Overview'],
  ['/alerts', 'Alerts'],
  ['/incidents', 'Incidents'],
  ['/oncall', 'On call'],
  ['/silences', 'Silences'],
  ['/routines', 'Routines'],
  ['/jobs', 'Jobs'],
  ['/status', 'Status page'],
] as const;

function App() {
  const { path } = usePath();
  const [me, setMe] = useState<Me | 'open' | null | undefined>(undefined);

  useEffect(() => {
    whenUnauthorized(() => {
      stopLive();
      setMe(null);
    });
    if (location.pathname === '/status') return;
    whoAmI().then(
      (m) => {
        setSession(m && m !== 'open' ? m : undefined);
        setCurrent(m);
        setMe(m);
      },
      () => setMe(null),
    );
  }, []);

  useEffect(() => {
    if (me) startLive();
  }, [me]);

  if (path === '/status') return <StatusPublicPage />;
  if (me === undefined) return <p aria-busy="true">Loading…</p>;
  if (me === null)
    return (
      <LoginPage
        onLogin={(m) => {
          setSession(m);
          setCurrent(m);
          setMe(m);
          if (path === '/login') navigate('/', true);
        }}
      />
    );

  const canOperate = me === 'open' || me.role !== 'viewer';
  let page = (
    <p>
      Not found. <a href="/">Back to the overview</a>
    </p>
  );
  const check = /^\/checks\/([^/]+)$/.exec(path);
  const incident = /^\/incidents\/(\d+)$/.exec(path);
  const run = /^\/routines\/runs\/([^/]+)$/.exec(path);
  if (path === '/' || path === '/login') page = <OverviewPage />;
  else if (check) page = <CheckPage key={check[1]} name={decodeURIComponent(check[1]!)} />;
  else if (path === '/alerts') page = <AlertsPage canOperate={canOperate} />;
  else if (path === '/incidents') page = <IncidentsPage canOperate={canOperate} />;
  else if (incident) page = <IncidentPage id={incident[1]!} canOperate={canOperate} />;
  else if (path === '/silences') page = <SilencesPage canOperate={canOperate} />;
  else if (path === '/routines') page = <RoutinesPage />;
  else if (path === '/jobs') page = <JobsPage />;
  else if (path === '/oncall') page = <OncallPage />;
  else if (run) page = <RoutineRunPage id={decodeURIComponent(run[1]!)} canOperate={canOperate} />;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          Vigil
        </a>
        <nav aria-label="Main">
          <ul>
            {nav.map(([href, text]) => (
              <li key={href}>
                <a
                  href={href}
                  aria-current={path === href || (href !== '/' && path.startsWith(href)) ? 'page' : undefined}
                >
                  {text}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {me !== 'open' ? (
          <span class="who">
            {me.user} ({me.role}){' '}
            <button
              type="button"
              class="secondary"
              onClick={() =>
                api('/auth/logout', { method: 'POST' }).finally(() => {
                  stopLive();
                  setSession(undefined);
                  setMe(null);
                })
              }
            >
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

interceptLinks();
render(<App />, document.getElementById('app')!);
