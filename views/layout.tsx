import type { Child } from 'hono/jsx';
import { ROLE_LABELS } from '../src/users/model.ts';
import { viewer, viewerIs } from './viewer.ts';

export type NavKey = 'home' | 'calibration' | 'territory' | 'review' | 'prospects' | 'new' | 'customers' | 'tiering' | 'policy' | 'team' | 'audit' | 'me' | 'import' | 'none';

export function Layout(props: { title: string; nav?: NavKey; children: Child }) {
  const cur = (k: NavKey) => (props.nav === k ? 'page' : undefined);
  const me = viewer();
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · pipegrade`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/htmx.min.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <div class="bar">
            <a class="brand" href="/home">pipegrade</a>
            <nav aria-label="Main">
              <a href="/home" aria-current={cur('home')}>Home</a>
              <a href="/prospects" aria-current={cur('prospects')}>Prospects</a>
              <a href="/prospects/new" aria-current={cur('new')}>New prospect</a>
              <a href="/customers" aria-current={cur('customers')}>Customers</a>
              <a href="/territory" aria-current={cur('territory')}>Territory</a>
              <a href="/review" aria-current={cur('review')}>Review</a>
              <a href="/tiering" aria-current={cur('tiering')}>Re-tier</a>
              <a href="/policy" aria-current={cur('policy')}>Policy</a>
              <a href="/calibration" aria-current={cur('calibration')}>Calibration</a>
              {viewerIs('manager') ? (
                <>
                  <a href="/team" aria-current={cur('team')}>Team</a>
                  <a href="/audit" aria-current={cur('audit')}>Audit</a>
                  <a href="/imports" aria-current={cur('import')}>Import</a>
                </>
              ) : null}
            </nav>
            {me ? (
              <div class="who">
                <a href="/me" aria-current={cur('me')}>
                  {me.name}
                </a>
                <span class="role">{ROLE_LABELS[me.role]}</span>
                <form method="post" action="/sign-out">
                  <button type="submit" class="linkish">
                    Sign out
                  </button>
                </form>
              </div>
            ) : null}
          </div>
        </header>
        <main id="main">
          <div id="flash" aria-live="assertive"></div>
          {props.children}
        </main>
      </body>
    </html>
  );
}
