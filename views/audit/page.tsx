import type { AuditListRow, AuditQuery } from '../../src/audit/queries.ts';
import { Card } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { orgZone, when } from '../time.ts';
import { Changes, ENTITY_LABELS } from './trail.tsx';

type Props = {
  q: AuditQuery;
  result: { rows: AuditListRow[]; total: number; page: number; pages: number };
  actors: { id: number; name: string }[];
  problem?: string;
};

function link(q: AuditQuery, page: number) {
  const p = new URLSearchParams();
  if (q.account) p.set('account', String(q.account));
  if (q.user) p.set('user', String(q.user));
  if (q.from) p.set('from', q.from);
  if (q.to) p.set('to', q.to);
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return `/audit${s ? `?${s}` : ''}`;
}

function What(props: { e: AuditListRow }) {
  const e = props.e;
  const label = `${ENTITY_LABELS[e.entity] ?? e.entity} ${e.action.replace(/_/g, ' ')}`;
  if (e.entity === 'user' && e.entityId) return <a href={`/team/${e.entityId}/edit`}>{`${label} #${e.entityId}`}</a>;
  return <>{e.entityId ? `${label} #${e.entityId}` : label}</>;
}

export function AuditPage(props: Props) {
  const { q, result } = props;
  return (
    <Layout title="Audit trail" nav="audit">
      <h1>Audit trail</h1>
      <p class="muted">Every change to accounts, signals, deals, ownership and people: who (or which job), what, before and after, when (in {orgZone()}).</p>
      <form method="get" action="/audit" class="filters" role="search" aria-label="Filter the audit trail">
        <div class="field">
          <label for="f-account">Account number</label>
          <input id="f-account" name="account" type="text" inputmode="numeric" value={q.account ? String(q.account) : ''} />
        </div>
        <div class="field">
          <label for="f-user">Who</label>
          <select id="f-user" name="user">
            <option value="">Anyone</option>
            <option value="none" selected={q.user === 'none'}>
              Jobs and scripts
            </option>
            {props.actors.map((a) => (
              <option value={String(a.id)} selected={q.user === a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-from">From</label>
          <input id="f-from" name="from" type="date" value={q.from ?? ''} />
        </div>
        <div class="field">
          <label for="f-to">To</label>
          <input id="f-to" name="to" type="date" value={q.to ?? ''} />
        </div>
        <button type="submit" class="btn">
          Filter
        </button>
        <a href="/audit">Clear</a>
      </form>
      {props.problem ? (
        <div class="alert error" role="alert">
          {props.problem}
        </div>
      ) : null}
      <Card>
        <p class="muted small">
          {result.total} {result.total === 1 ? 'entry' : 'entries'}
          {result.pages > 1 ? `, page ${result.page} of ${result.pages}` : ''}.
        </p>
        {result.rows.length ? (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Account</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((e) => (
                <tr>
                  <td data-label="When">{when(e.at)}</td>
                  <td data-label="Who">{e.actorId ? <a href={link({ ...q, user: e.actorId, page: 1 }, 1)}>{e.actor}</a> : <span>{e.actor} <span class="muted small">(job or script)</span></span>}</td>
                  <td data-label="What">
                    <What e={e} />
                  </td>
                  <td data-label="Account">
                    {e.accountId ? (
                      <>
                        <a href={`/${e.accountKind === 'customer' ? 'customers' : 'prospects'}/${e.accountId}`}>{e.accountName ?? `#${e.accountId}`}</a>{' '}
                        <a class="small" href={link({ ...q, account: e.accountId, page: 1 }, 1)} aria-label={`Only ${e.accountName ?? `account ${e.accountId}`}`}>
                          (only this)
                        </a>
                      </>
                    ) : (
                      '–'
                    )}
                  </td>
                  <td data-label="Changes">
                    <Changes before={e.before} after={e.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">Nothing recorded matches.</p>
        )}
        {result.pages > 1 ? (
          <nav class="pager" aria-label="Pages">
            {result.page > 1 ? <a href={link(q, result.page - 1)}>← Newer</a> : null}
            <span>
              Page {result.page} of {result.pages}
            </span>
            {result.page < result.pages ? <a href={link(q, result.page + 1)}>Older →</a> : null}
          </nav>
        ) : null}
      </Card>
    </Layout>
  );
}
