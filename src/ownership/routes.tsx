import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { formValues, jsonBody, notFoundJson, parseId, validationError } from '../shared/http.ts';
import { MessagePage } from '../../views/errors.tsx';
import { changeOwner } from './owner-change.ts';

// Managers give an account to someone (or to nobody); the change is in the audit trail.

const ownerSchema = z.object({
  ownerId: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.coerce.number({ error: 'must be a user number, or null for nobody' }).int().min(1).nullable()),
});

const pathOf = (a: { id: number; kind: string }) => `/${a.kind === 'customer' ? 'customers' : 'prospects'}/${a.id}`;

export function ownerPages() {
  const app = new Hono<AppEnv>();
  app.post('/accounts/:id/owner', async (c) => {
    const id = parseId(c.req.param('id'));
    const notFound = () => c.html(<MessagePage title="Account not found" message="There is no account with that number." />, 404);
    if (!id) return notFound();
    const parsed = ownerSchema.safeParse(await formValues(c));
    if (!parsed.success) return c.html(<MessagePage title="Owner not changed" message="Choose someone from the list." />, 422);
    const r = await changeOwner(c.var.deps.db, id, parsed.data.ownerId, c.var.actor);
    if (!r.ok) return r.reason === 'not_found' ? notFound() : c.html(<MessagePage title="Owner not changed" message={Object.values(r.errors).join(' ')} />, 422);
    return c.redirect(`${pathOf(r.account)}${r.account.kind === 'prospect' ? '?saved=1' : ''}#owner`, 303);
  });
  return app;
}

export function ownerApi() {
  const app = new Hono<AppEnv>();
  app.put('/accounts/:id/owner', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id) return notFoundJson(c, 'account');
    const body = await jsonBody(c);
    if (!body.ok) return body.response;
    const parsed = ownerSchema.strict().safeParse(body.body);
    if (!parsed.success) return validationError(c, parsed.error);
    const r = await changeOwner(c.var.deps.db, id, parsed.data.ownerId, c.var.actor);
    if (!r.ok) return r.reason === 'not_found' ? notFoundJson(c, 'account') : c.json({ error: 'validation failed', issues: Object.entries(r.errors).map(([path, message]) => ({ path, message })) }, 422);
    return c.json({ id: r.account.id, ownerId: r.account.ownerId, changed: r.changed, version: r.account.version });
  });
  return app;
}
