import { tryGetContext } from 'hono/context-storage';
import type { OwnerInfo } from '../../src/ownership/owner-change.ts';
import type { AppEnv } from '../../src/app-env.ts';
import { ROLE_LABELS, type Role } from '../../src/users/model.ts';
import { Card } from '../components.tsx';
import { viewer, viewerIs } from '../viewer.ts';

const NOTICES: Record<string, string> = {
  changed: 'Owner changed.',
  warned: 'Owner changed, against the ownership policy (see below).',
  pinned: 'Pinned: assignment and balancing leave it with its owner.',
  unpinned: 'Unpinned: the ownership rules may move it again.',
  assigned: 'Placed by the ownership rules (the audit trail says why).',
  kept: 'The ownership rules keep it with its owner.',
  unassignable: 'No active rep is senior enough: it is flagged unassignable until a manager decides.',
};

/** Who owns the account, and (for managers) giving it to someone, pinning it, or asking the rules. */
export function OwnerCard(props: { accountId: number; ownerId: number | null; info: OwnerInfo }) {
  const { owner, candidates, requirement, breach, pinned, unassignable, levelName } = props.info;
  const me = viewer();
  const mine = !!me && me.id === props.ownerId;
  const notice = NOTICES[tryGetContext<AppEnv>()?.req.query('owner') ?? ''];
  const personLabel = (u: { name: string; role: string; level: number | null; state: string }) =>
    `${u.name} — ${u.role === 'rep' && u.level ? `level ${u.level}, ${levelName(u.level)}` : (ROLE_LABELS[u.role as Role] ?? u.role)}${u.state === 'on_leave' ? ' (on leave)' : ''}${requirement && (u.role !== 'rep' || (u.level ?? 0) < requirement.minLevel) ? ' — below the level it needs' : ''}`;
  return (
    <Card title="Owner" id="owner">
      {notice ? (
        <div class="alert ok" role="status">
          {notice}
        </div>
      ) : null}
      <p data-testid="owner">
        {owner ? `${owner.name}${owner.state === 'deactivated' ? ' (deactivated)' : owner.state === 'on_leave' ? ' (on leave)' : ''}` : 'Nobody yet'}
        {mine ? ' — you' : ''}
        {owner?.level ? <span class="muted">{` · level ${owner.level}, ${levelName(owner.level)} · carries ${fmt(owner.load)} of ${fmt(owner.capacity)} load points`}</span> : null}
        {pinned ? <span class="flag pinned" data-testid="pinned">pinned</span> : null}
        {unassignable ? <span class="flag unassignable">unassignable</span> : null}
      </p>
      {requirement ? <p class="small muted">{`Needs an owner of level ${requirement.minLevel} (${levelName(requirement.minLevel)}) or above; carries ${requirement.load} load points.`}</p> : null}
      {breach ? (
        <div class="alert error" role="alert" data-testid="owner-breach">
          {`Breaks the ownership policy: ${breach}`}
        </div>
      ) : null}
      {me?.role === 'rep' && !mine ? <p class="small muted">You can see this account; only its owner or a manager can change it.</p> : null}
      {viewerIs('manager') ? (
        <>
          <form method="post" action={`/accounts/${props.accountId}/owner`} class="row">
            <div class="field">
              <label for="f-ownerId">Give it to</label>
              <select id="f-ownerId" name="ownerId">
                <option value="">Nobody</option>
                {candidates.map((u) => (
                  <option value={String(u.id)} selected={u.id === props.ownerId}>
                    {personLabel(u)}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" class="btn secondary">
              Change owner
            </button>
          </form>
          <div class="row">
            <form method="post" action={`/accounts/${props.accountId}/pin`}>
              <input type="hidden" name="pinned" value={pinned ? 'false' : 'true'} />
              <button type="submit" class="btn secondary">
                {pinned ? 'Unpin' : 'Pin to this owner'}
              </button>
            </form>
            {requirement && !pinned ? (
              <form method="post" action={`/accounts/${props.accountId}/assignment`}>
                <button type="submit" class="btn secondary">
                  Assign by the rules
                </button>
              </form>
            ) : null}
          </div>
        </>
      ) : null}
    </Card>
  );
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
