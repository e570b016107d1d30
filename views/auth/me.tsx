import type { userJson } from '../../src/users/model.ts';
import { LEVEL_LABELS, ROLE_LABELS, STATE_LABELS, type Level } from '../../src/users/model.ts';
import type { tokenJson } from '../../src/users/tokens.ts';
import { Card, Field, FormErrors, type FormState } from '../components.tsx';
import { Layout } from '../layout.tsx';

export type MeProps = {
  user: ReturnType<typeof userJson>;
  tokens: ReturnType<typeof tokenJson>[];
  sessions: number;
  /** A token just made: shown this once. */
  newToken?: { name: string; token: string };
  tokenForm: FormState;
  passwordForm: FormState;
  notice?: string;
};

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '–');

export function MePage(props: MeProps) {
  const u = props.user;
  return (
    <Layout title="Your account" nav="me">
      <h1>{u.name}</h1>
      {props.notice ? (
        <div class="alert ok" role="status">
          {props.notice}
        </div>
      ) : null}
      <p class="muted">
        {u.email} · {ROLE_LABELS[u.role]}
        {u.level ? ` · level ${u.level}, ${LEVEL_LABELS[u.level as Level]}` : ''} · {STATE_LABELS[u.state]}
      </p>

      <Card title="API tokens" id="tokens">
        <p class="small muted">
          Scripts and integrations use the JSON API under /api with a personal token, sent as <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you, with your role. Every operation is described in the <a href="/docs/api">API reference</a> (and as OpenAPI at <a href="/api/openapi.json">/api/openapi.json</a>).
        </p>
        {props.newToken ? (
          <div class="alert ok" role="status">
            <p>
              Your new token “{props.newToken.name}”. Copy it now: it is shown this once and cannot be shown again.
            </p>
            <p class="secret" data-testid="new-token">
              {props.newToken.token}
            </p>
          </div>
        ) : null}
        {props.tokens.length ? (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Made</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {props.tokens.map((t) => (
                <tr>
                  <td data-label="Name">{t.name}</td>
                  <td data-label="Starts with">
                    <code>{t.prefix}…</code>
                  </td>
                  <td data-label="Made">{day(t.createdAt)}</td>
                  <td data-label="Last used">{day(t.lastUsedAt)}</td>
                  <td data-label="State">
                    {t.revokedAt ? (
                      `revoked ${day(t.revokedAt)}`
                    ) : (
                      <form method="post" action={`/me/tokens/${t.id}/revocation`} class="inline">
                        <button type="submit" class="btn small danger" aria-label={`Revoke token ${t.name}`}>
                          Revoke
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No tokens yet.</p>
        )}
        <form method="post" action="/me/tokens" class="row" novalidate>
          <FormErrors form={props.tokenForm} />
          <Field form={props.tokenForm} name="name" label="New token’s name" hint="What it is for, e.g. CRM sync" />
          <button type="submit" class="btn">
            Create token
          </button>
        </form>
      </Card>

      <Card title="Password" id="password">
        <form method="post" action="/me/password" novalidate>
          <FormErrors form={props.passwordForm} />
          <div class="form-grid">
            <Field form={props.passwordForm} name="current" label="Current password" type="password" attrs={{ autocomplete: 'current-password' }} />
            <Field form={props.passwordForm} name="password" label="New password" type="password" hint="At least 10 characters" attrs={{ autocomplete: 'new-password' }} />
            <Field form={props.passwordForm} name="confirm" label="New password again" type="password" attrs={{ autocomplete: 'new-password' }} />
          </div>
          <button type="submit" class="btn">
            Change password
          </button>
        </form>
      </Card>

      <Card title="Sessions" id="sessions">
        <p>
          You are signed in {props.sessions === 1 ? 'in 1 place' : `in ${props.sessions} places`}. Signing out everywhere ends every session, this one included.
        </p>
        <form method="post" action="/me/sign-out-everywhere">
          <button type="submit" class="btn danger">
            Sign out everywhere
          </button>
        </form>
      </Card>
    </Layout>
  );
}
