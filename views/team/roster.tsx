import { LEVELS, LEVEL_LABELS, ROLE_LABELS, STATE_LABELS, type Level, type userJson } from '../../src/users/model.ts';
import { Card } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { viewer } from '../viewer.ts';

type User = ReturnType<typeof userJson>;

export function StateText(props: { user: Pick<User, 'state' | 'leaveFrom' | 'leaveUntil'> }) {
  const u = props.user;
  const leave = u.state === 'on_leave' ? ` ${u.leaveFrom ?? ''}${u.leaveUntil ? ` to ${u.leaveUntil}` : ' on'}` : '';
  return <span class={`state-${u.state}`}>{`${STATE_LABELS[u.state]}${leave}`}</span>;
}

/** Whether the viewer may change this person (the same rule as the actions: managers change reps). */
const mayEdit = (u: User) => {
  const me = viewer();
  return me?.role === 'admin' || (me?.role === 'manager' && u.role === 'rep');
};

function Row(props: { user: User; showLevel?: boolean }) {
  const u = props.user;
  return (
    <tr>
      <td data-label="Name">{mayEdit(u) ? <a href={`/team/${u.id}/edit`}>{u.name}</a> : u.name}</td>
      <td data-label="Email">{u.email}</td>
      {props.showLevel ? null : <td data-label="Role">{ROLE_LABELS[u.role]}</td>}
      <td data-label="Capacity" class="num">
        {u.capacity}
      </td>
      <td data-label="Region">{u.region ?? '–'}</td>
      <td data-label="State">
        <StateText user={u} />
      </td>
      <td data-label="Change">
        {mayEdit(u) && u.id !== viewer()?.id ? (
          <form method="post" action={`/team/${u.id}/${u.state === 'deactivated' ? 'reactivation' : 'deactivation'}`} class="inline">
            <input type="hidden" name="version" value={String(u.version)} />
            <button type="submit" class={`btn small ${u.state === 'deactivated' ? 'secondary' : 'danger'}`} aria-label={`${u.state === 'deactivated' ? 'Reactivate' : 'Deactivate'} ${u.name}`}>
              {u.state === 'deactivated' ? 'Reactivate' : 'Deactivate'}
            </button>
          </form>
        ) : null}
      </td>
    </tr>
  );
}

function Table(props: { users: User[]; showLevel?: boolean; caption: string }) {
  return (
    <table class="list">
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Email</th>
          {props.showLevel ? null : <th scope="col">Role</th>}
          <th scope="col" class="num">
            Capacity
          </th>
          <th scope="col">Region</th>
          <th scope="col">State</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {props.users.map((u) => (
          <Row user={u} showLevel={props.showLevel} />
        ))}
      </tbody>
    </table>
  );
}

export function RosterPage(props: { users: User[]; notice?: string; problem?: string; newPassword?: { name: string; password: string } }) {
  const reps = props.users.filter((u) => u.role === 'rep');
  const others = props.users.filter((u) => u.role !== 'rep');
  const active = reps.filter((u) => u.state !== 'deactivated');
  return (
    <Layout title="Team" nav="team">
      <div class="row spread">
        <h1>Team</h1>
        <a class="btn" href="/team/new">
          Add a person
        </a>
      </div>
      {props.notice ? (
        <div class="alert ok" role="status">
          {props.notice}
        </div>
      ) : null}
      {props.problem ? (
        <div class="alert error" role="alert">
          {props.problem}
        </div>
      ) : null}
      {props.newPassword ? (
        <div class="alert info" role="status">
          <p>{`${props.newPassword.name}'s first password, shown this once: give it to them, and they change it on their page.`}</p>
          <p class="secret" data-testid="new-password">
            {props.newPassword.password}
          </p>
        </div>
      ) : null}
      <p class="muted">
        {active.length} reps not deactivated ({active.filter((u) => u.state === 'on_leave').length} on leave), {active.reduce((s, u) => s + u.capacity, 0)} load points of capacity.
      </p>
      {[...LEVELS].reverse().map((level) => {
        const list = reps.filter((u) => u.level === level);
        return (
          <Card title={`${LEVEL_LABELS[level as Level]} (level ${level})`} id={`level-${level}`}>
            {list.length ? <Table users={list} showLevel caption={`Reps at level ${level}`} /> : <p class="muted">Nobody at this level.</p>}
          </Card>
        );
      })}
      <Card title="Managers and admins" id="managers">
        {others.length ? <Table users={others} caption="Managers and admins" /> : <p class="muted">None.</p>}
      </Card>
    </Layout>
  );
}
