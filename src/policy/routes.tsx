import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { formValues, isHtmx, jsonBody, notFoundJson, parseId, validationError, validJson } from '../shared/http.ts';
import { PolicyPage } from '../../views/policy/show.tsx';
import { PolicyEditPage, type EditProps } from '../../views/policy/edit.tsx';
import { ApplicationStatus, VersionPage, VersionsPage } from '../../views/policy/versions.tsx';
import { MessagePage } from '../../views/errors.tsx';
import { applicationOf, startApplication, type Application } from './apply.ts';
import { diffPolicies, type PolicyChange } from './diff.ts';
import { labelOf, policyToForm, readPolicyForm, type FormValues } from './form.ts';
import { mergePolicy, parsePolicyEdit, type Policy } from './policy.ts';
import { currentPolicy, getVersion, listVersions, savePolicy, type PolicyVersionInfo, type StoredVersion } from './store.ts';
import { previewBodySchema, savePolicyBodySchema, versionsQuerySchema } from './validation.ts';
import { WHAT_IF_LISTS, whatIf, type WhatIfList } from './what-if.ts';
import { when } from '../../views/time.ts';

// The policy: read by everyone; edited by managers through a preview of what it would change,
// then saved as a new version that is applied to every account (src/policy/apply.ts). Older
// versions can be read and restored (a restore is an edit that starts from the old numbers).

const PAGE_SIZE = 50;
const NOTE_MAX = 500;

/** What a preview showed, so a save can tell whether it saves what the manager saw. */
const fingerprint = (p: Policy) => createHash('sha256').update(JSON.stringify(p)).digest('base64url').slice(0, 22);

const info = async (c: Context<AppEnv>, version: number): Promise<PolicyVersionInfo> => {
  const v = await getVersion(c.var.deps.db, version);
  return { version, note: v?.note ?? null, createdBy: v?.createdBy ?? 'system', createdAt: v?.createdAt ?? new Date(0) };
};

const listOf = (v: string | undefined): WhatIfList => ((WHAT_IF_LISTS as readonly string[]).includes(v ?? '') ? (v as WhatIfList) : 'grades');
const pageOf = (v: string | undefined) => (v && /^\d{1,6}$/.test(v) && Number(v) >= 1 ? Number(v) : 1);
const restoringOf = (v: string | undefined) => (v && /^\d{1,9}$/.test(v) ? Number(v) : null);

export function policyPages() {
  const app = new Hono<AppEnv>();

  app.get('/policy', async (c) => {
    const { db } = c.var.deps;
    const { version, policy } = await currentPolicy(db);
    const [meta, application] = await Promise.all([info(c, version), applicationOf(db, version)]);
    return c.html(<PolicyPage version={version} policy={policy} createdAt={meta.createdAt} createdBy={meta.createdBy} note={meta.note} application={application} />);
  });

  const editor = async (c: Context<AppEnv>, status: 200 | 409 | 422, props: Omit<EditProps, 'current'>) => {
    const current = await currentPolicy(c.var.deps.db);
    return c.html(<PolicyEditPage {...props} current={await info(c, current.version)} />, status);
  };

  app.get('/policy/edit', async (c) => {
    const { db } = c.var.deps;
    const current = await currentPolicy(db);
    const fromRaw = c.req.query('from');
    if (fromRaw === undefined || fromRaw === '') {
      return editor(c, 200, { values: policyToForm(current.policy), errors: {}, basedOn: current.version, note: '' });
    }
    const from = parseId(fromRaw);
    const old = from ? await getVersion(db, from) : null;
    if (!old) return c.html(<MessagePage title="Not found" message={`There is no policy version ${fromRaw}.`} />, 404);
    return editor(c, 200, {
      values: policyToForm(old.policy),
      errors: {},
      basedOn: current.version,
      note: `Restore version ${old.version}`,
      restoring: old.version,
      message: { kind: 'info', text: `These are the numbers of version ${old.version}. Preview what restoring them would change, then save them as a new version.` },
    });
  });

  /** The form's policy, or the same form again with each field's message (422). */
  const readForm = async (c: Context<AppEnv>) => {
    const values = await formValues(c);
    const { policy: current } = await currentPolicy(c.var.deps.db);
    const basedOn = parseId(values.version) ?? 0;
    const base = { values: values as FormValues, basedOn, note: values.note ?? '', restoring: restoringOf(values.restoring) };
    const read = readPolicyForm(values, current);
    const noteTooLong = base.note.trim().length > NOTE_MAX;
    const r: typeof read = noteTooLong ? { ok: false, errors: { ...(read.ok ? {} : read.errors), note: `must be at most ${NOTE_MAX} characters` } } : read;
    return { r, base, current };
  };

  const preview = async (c: Context<AppEnv>, to: Policy, from: Policy, values: FormValues) =>
    whatIf(c.var.deps.db, { from, to, asOf: c.var.deps.clock.today(), list: listOf(values.show ?? values.list), page: values.show ? 1 : pageOf(values.page), pageSize: PAGE_SIZE });

  app.post('/policy/preview', async (c) => {
    const { r, base, current } = await readForm(c);
    if (!r.ok) return editor(c, 422, { ...base, errors: r.errors });
    const w = await preview(c, r.policy, current, base.values);
    return editor(c, 200, { ...base, errors: {}, preview: w, previewed: fingerprint(r.policy), stale: await staleNotice(c, base.basedOn) });
  });

  app.post('/policy', async (c) => {
    const { r, base, current } = await readForm(c);
    if (!r.ok) return editor(c, 422, { ...base, errors: r.errors });
    // What is saved is what was previewed: numbers changed since show their effect first.
    if (base.values.previewed !== fingerprint(r.policy)) {
      const w = await preview(c, r.policy, current, base.values);
      return editor(c, 200, {
        ...base,
        errors: {},
        preview: w,
        previewed: fingerprint(r.policy),
        message: { kind: 'info', text: 'The numbers changed since the last preview. This is what they would change; save again to keep them.' },
      });
    }
    const actor = c.var.actor;
    const saved = await savePolicy(c.var.deps.db, { basedOn: base.basedOn, policy: r.policy, note: base.note.trim() || null, actor: { name: actor.name, id: actor.id }, restoredFrom: base.restoring });
    if (!saved.ok && saved.reason === 'conflict') {
      const who = saved.current;
      return editor(c, 409, {
        ...base,
        // Based on the newest version now: saving again (after a new preview) replaces it.
        basedOn: who.version,
        errors: {},
        message: {
          kind: 'error',
          text: `${who.createdBy} saved version ${who.version} (${when(who.createdAt)}) while you edited version ${base.basedOn}. Your numbers are kept below; preview them again against version ${who.version}, then save to replace it.`,
        },
      });
    }
    if (!saved.ok) return editor(c, 422, { ...base, errors: {}, message: { kind: 'error', text: `Nothing to save: these numbers are the same as version ${saved.current.version}, the one in force.` } });
    await startApplication(c.var.deps.db, saved.version, { today: c.var.deps.clock.today(), actor: actor.name });
    return c.redirect(`/policy/versions/${saved.version}?saved=1`, 303);
  });

  app.get('/policy/versions', async (c) => {
    const q = versionsQuerySchema.safeParse(c.req.query());
    const page = q.success ? q.data.page : 1;
    const { db } = c.var.deps;
    const [{ total, versions }, current] = await Promise.all([listVersions(db, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }), currentPolicy(db)]);
    return c.html(<VersionsPage versions={versions} total={total} page={page} pageSize={PAGE_SIZE} current={current.version} />);
  });

  app.get('/policy/versions/:version', async (c) => {
    const { db } = c.var.deps;
    const n = parseId(c.req.param('version'));
    const v = n ? await getVersion(db, n) : null;
    c.header('Vary', 'HX-Request');
    if (!v) return c.html(<MessagePage title="Not found" message={`There is no policy version ${c.req.param('version')}.`} />, 404);
    const [application, current] = await Promise.all([applicationOf(db, v.version), currentPolicy(db)]);
    // htmx polls the application's progress: the same URL answers just that part.
    if (isHtmx(c)) return c.html(<ApplicationStatus version={v.version} application={application} isCurrent={current.version === v.version} createdBy={v.createdBy} />);
    const prev = v.previous ? await getVersion(db, v.previous) : null;
    return c.html(
      <VersionPage
        version={v}
        changes={prev ? labelled(diffPolicies(prev.policy, v.policy)) : null}
        application={application}
        isCurrent={current.version === v.version}
        saved={c.req.query('saved') === '1'}
      />,
    );
  });

  app.post('/policy/versions/:version/application', async (c) => {
    const { db } = c.var.deps;
    const n = parseId(c.req.param('version'));
    const v = n ? await getVersion(db, n) : null;
    if (!v) return c.html(<MessagePage title="Not found" message={`There is no policy version ${c.req.param('version')}.`} />, 404);
    const refused = await applyRefusal(c, v);
    if (refused) return c.html(<MessagePage title="Not applied" message={refused} />, 409);
    await startApplication(db, v.version, { today: c.var.deps.clock.today(), actor: c.var.actor.name });
    return c.redirect(`/policy/versions/${v.version}`, 303);
  });

  return app;
}

async function staleNotice(c: Context<AppEnv>, basedOn: number): Promise<string | undefined> {
  const current = await currentPolicy(c.var.deps.db);
  if (current.version === basedOn) return undefined;
  const who = await info(c, current.version);
  return `${who.createdBy} saved version ${current.version} after you opened this form (on version ${basedOn}). The preview compares with version ${current.version}; saving will be refused until you start again from it.`;
}

/** Why a version cannot be applied now, or null. */
async function applyRefusal(c: Context<AppEnv>, v: StoredVersion): Promise<string | null> {
  const { db } = c.var.deps;
  const current = await currentPolicy(db);
  if (current.version !== v.version) return `Version ${v.version} is not the one in force (version ${current.version} is): restore it to use its numbers again.`;
  const a = await applicationOf(db, v.version);
  if (a.status === 'running' && !a.stalled) return `Version ${v.version} is being applied right now.`;
  if (a.status === 'done') return `Version ${v.version} was applied already.`;
  return null;
}

const labelled = (changes: PolicyChange[]) => changes.map((ch) => ({ ...ch, label: labelOf(ch.path) }));

function applicationJson(a: Application) {
  if (a.status === 'none') return a;
  if (a.status === 'running') return { ...a, startedAt: a.startedAt.toISOString() };
  return { ...a, startedAt: a.startedAt.toISOString(), finishedAt: a.finishedAt?.toISOString() ?? null };
}

const infoJson = (v: PolicyVersionInfo) => ({ version: v.version, note: v.note, createdBy: v.createdBy, createdAt: v.createdAt.toISOString() });

/** The policy a body asks for: its overrides merged over the current one and validated for saving. */
async function mergedPolicy(c: Context<AppEnv>, overrides: Record<string, unknown> | undefined) {
  const current = await currentPolicy(c.var.deps.db);
  const parsed = parsePolicyEdit(overrides ? mergePolicy(current.policy, overrides) : current.policy);
  return { current, parsed };
}

export function policyApi() {
  const app = new Hono<AppEnv>();

  app.get('/policy', async (c) => {
    const { version, policy } = await currentPolicy(c.var.deps.db);
    return c.json({ version, policy });
  });

  app.get('/policy/versions', async (c) => {
    const q = versionsQuerySchema.safeParse(c.req.query());
    if (!q.success) return validationError(c, q.error);
    const { db } = c.var.deps;
    const [{ total, versions }, current] = await Promise.all([listVersions(db, { limit: PAGE_SIZE, offset: (q.data.page - 1) * PAGE_SIZE }), currentPolicy(db)]);
    return c.json({ current: current.version, total, page: q.data.page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), versions: versions.map(infoJson) });
  });

  app.get('/policy/versions/:version', async (c) => {
    const { db } = c.var.deps;
    const n = parseId(c.req.param('version'));
    const v = n ? await getVersion(db, n) : null;
    if (!v) return notFoundJson(c, 'policy version');
    const prev = v.previous ? await getVersion(db, v.previous) : null;
    const [application, current] = await Promise.all([applicationOf(db, v.version), currentPolicy(db)]);
    return c.json({
      ...infoJson(v),
      current: current.version === v.version,
      previous: v.previous,
      policy: v.policy,
      changes: prev ? labelled(diffPolicies(prev.policy, v.policy)) : null,
      application: applicationJson(application),
    });
  });

  app.post('/policy/preview', async (c) => {
    const body = await jsonBody(c, { optional: true });
    if (!body.ok) return body.response;
    const parsed = previewBodySchema.safeParse(body.body ?? {});
    if (!parsed.success) return validationError(c, parsed.error);
    const { current, parsed: policy } = await mergedPolicy(c, parsed.data.policy);
    if (!policy.ok) return c.json({ error: 'validation failed', issues: policy.issues.map((i) => ({ ...i, path: `policy.${i.path}` })) }, 422);
    const w = await whatIf(c.var.deps.db, { from: current.policy, to: policy.policy, asOf: c.var.deps.clock.today(), list: parsed.data.list, page: parsed.data.page, pageSize: parsed.data.pageSize ?? PAGE_SIZE });
    const { ownerIds: _ids, ...out } = w;
    return c.json({ basedOn: current.version, ...out });
  });

  app.put('/policy', async (c) => {
    const parsed = await validJson(c, savePolicyBodySchema);
    if (!parsed.ok) return parsed.response;
    const { current, parsed: policy } = await mergedPolicy(c, parsed.data.policy);
    if (!policy.ok) return c.json({ error: 'validation failed', issues: policy.issues.map((i) => ({ ...i, path: `policy.${i.path}` })) }, 422);
    if (parsed.data.restoredFrom && !(await getVersion(c.var.deps.db, parsed.data.restoredFrom)))
      return c.json({ error: 'validation failed', issues: [{ path: 'restoredFrom', message: `there is no version ${parsed.data.restoredFrom}` }] }, 422);
    const actor = c.var.actor;
    const saved = await savePolicy(c.var.deps.db, { basedOn: parsed.data.version, policy: policy.policy, note: parsed.data.note || null, actor: { name: actor.name, id: actor.id }, restoredFrom: parsed.data.restoredFrom ?? null });
    if (!saved.ok && saved.reason === 'conflict')
      return c.json({ error: `conflict: version ${saved.current.version} was saved since version ${parsed.data.version}, which you edited`, currentVersion: saved.current.version, current: infoJson(saved.current) }, 409);
    if (!saved.ok) return c.json({ error: 'validation failed', issues: [{ path: 'policy', message: `is the same as version ${current.version}, the one in force: nothing to save` }] }, 422);
    const started = await startApplication(c.var.deps.db, saved.version, { today: c.var.deps.clock.today(), actor: actor.name });
    c.header('Location', `/api/policy/versions/${saved.version}`);
    return c.json({ version: saved.version, policy: policy.policy, changes: labelled(saved.changes), application: { mode: started.mode, ...applicationJson(await applicationOf(c.var.deps.db, saved.version)) } });
  });

  app.post('/policy/versions/:version/application', async (c) => {
    const { db } = c.var.deps;
    const n = parseId(c.req.param('version'));
    const v = n ? await getVersion(db, n) : null;
    if (!v) return notFoundJson(c, 'policy version');
    const refused = await applyRefusal(c, v);
    if (refused) return c.json({ error: refused }, 409);
    const started = await startApplication(db, v.version, { today: c.var.deps.clock.today(), actor: c.var.actor.name });
    return c.json({ version: v.version, application: { mode: started.mode, ...applicationJson(await applicationOf(db, v.version)) } }, started.mode === 'inline' ? 200 : 202);
  });

  return app;
}
