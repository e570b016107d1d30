import type { OwnerInfo } from '../../src/ownership/owner-change.ts';
import { ROLE_LABELS, type Role } from '../../src/users/model.ts';
import { Card } from '../components.tsx';
import { viewer, viewerIs } from '../viewer.ts';

/** Who owns the account; managers give it to someone else here. A rep who does not own it is told why they can only look. */
export function OwnerCard(props: { accountId: number; ownerId: number | null; info: OwnerInfo }) {
  const { owner, candidates } = props.info;
  const me = viewer();
  const mine = !!me && me.id === props.ownerId;
  return (
    <Card title="Owner" id="owner">
      <p data-testid="owner">
        {owner ? `${owner.name}${owner.state === 'deactivated' ? ' (deactivated)' : ''}` : 'Nobody yet'}
        {mine ? ' — you' : ''}
      </p>
      {me?.role === 'rep' && !mine ? <p class="small muted">You can see this account; only its owner or a manager can change it.</p> : null}
      {viewerIs('manager') ? (
        <form method="post" action={`/accounts/${props.accountId}/owner`} class="row">
          <div class="field">
            <label for="f-ownerId">Give it to</label>
            <select id="f-ownerId" name="ownerId">
              <option value="">Nobody</option>
              {candidates.map((u) => (
                <option value={String(u.id)} selected={u.id === props.ownerId}>
                  {`${u.name} (${ROLE_LABELS[u.role as Role] ?? u.role})`}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn secondary">
            Change owner
          </button>
        </form>
      ) : null}
    </Card>
  );
}
