import type { Application } from '../../src/policy/apply.ts';
import type { PolicyValue } from '../../src/policy/diff.ts';
import type { PolicyVersionInfo, StoredVersion } from '../../src/policy/store.ts';
import { Card } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { viewerIs } from '../viewer.ts';
import { ApplicationStatus } from './application.tsx';
import { PolicyDetails } from './show.tsx';
import { when } from '../time.ts';

export { ApplicationStatus };

const shown = (v: PolicyValue | undefined) => (v === undefined ? '(none)' : v === null || v === '' ? '–' : String(v));

export function VersionsPage(props: { versions: PolicyVersionInfo[]; total: number; page: number; pageSize: number; current: number }) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <Layout title="Policy versions" nav="policy">
      <p class="small">
        <a href="/policy">← Policy</a>
      </p>
      <h1>Policy versions</h1>
      <p class="muted">Every save is a version; the newest is in force. Open one to see its numbers and what it changed, or to restore it.</p>
      <table class="list" data-testid="versions">
        <thead>
          <tr>
            <th scope="col" class="num">Version</th>
            <th scope="col">Saved</th>
            <th scope="col">By</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {props.versions.map((v) => (
            <tr>
              <td class="num">
                <a href={`/policy/versions/${v.version}`}>{v.version}</a>
                {v.version === props.current ? <span class="muted"> (in force)</span> : null}
              </td>
              <td>{when(v.createdAt)}</td>
              <td>{v.createdBy}</td>
              <td>{v.note ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          {props.page > 1 ? <a href={`/policy/versions?page=${props.page - 1}`}>← Newer</a> : null}
          <span>
            Page {props.page} of {pages}
          </span>
          {props.page < pages ? <a href={`/policy/versions?page=${props.page + 1}`}>Older →</a> : null}
        </nav>
      ) : null}
    </Layout>
  );
}

export function VersionPage(props: {
  version: StoredVersion;
  changes: { path: string; label: string; from: PolicyValue | undefined; to: PolicyValue | undefined }[] | null;
  application: Application;
  isCurrent: boolean;
  saved: boolean;
}) {
  const v = props.version;
  return (
    <Layout title={`Policy version ${v.version}`} nav="policy">
      <p class="small">
        <a href="/policy">← Policy</a> · <a href="/policy/versions">Versions</a>
      </p>
      <h1>
        Policy version {v.version}
        {props.isCurrent ? <span class="muted"> (in force)</span> : null}
      </h1>
      {props.saved ? (
        <div class="alert ok" role="status">
          Saved as version {v.version}.
        </div>
      ) : null}
      <p class="muted">
        Saved {when(v.createdAt)} by {v.createdBy}
        {v.note ? `: “${v.note}”` : ''}.
      </p>
      {viewerIs('manager') && !props.isCurrent ? (
        <p class="actions">
          <a class="btn" href={`/policy/edit?from=${v.version}`}>
            Restore this version…
          </a>{' '}
          <span class="muted">You will see what restoring it changes before anything is saved.</span>
        </p>
      ) : null}
      <ApplicationStatus version={v.version} application={props.application} isCurrent={props.isCurrent} createdBy={v.createdBy} />
      <Card title={v.previous ? `What changed since version ${v.previous}` : 'What changed'} id="changes">
        {props.changes === null ? (
          <p class="muted">The first version: nothing before it.</p>
        ) : props.changes.length === 0 ? (
          <p class="muted">Nothing: the same numbers as version {v.previous}.</p>
        ) : (
          <table class="list" data-testid="diff">
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Version {v.previous}</th>
                <th scope="col">Version {v.version}</th>
              </tr>
            </thead>
            <tbody>
              {props.changes.map((ch) => (
                <tr>
                  <td>
                    {ch.label}
                    {ch.label !== ch.path ? <div class="muted small">{ch.path}</div> : null}
                  </td>
                  <td>{shown(ch.from)}</td>
                  <td>{shown(ch.to)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <h2>Its numbers</h2>
      <PolicyDetails policy={v.policy} />
    </Layout>
  );
}
