import type { Child } from 'hono/jsx';

export type NavKey = 'prospects' | 'new' | 'policy' | 'none';

export function Layout(props: { title: string; nav?: NavKey; children: Child }) {
  const cur = (k: NavKey) => (props.nav === k ? 'page' : undefined);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · pipegrade`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/htmx.min.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <div class="bar">
            <a class="brand" href="/prospects">pipegrade</a>
            <nav aria-label="Main">
              <a href="/prospects" aria-current={cur('prospects')}>Prospects</a>
              <a href="/prospects/new" aria-current={cur('new')}>New prospect</a>
              <a href="/policy" aria-current={cur('policy')}>Policy</a>
            </nav>
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
