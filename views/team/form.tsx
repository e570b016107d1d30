import { LEVELS, LEVEL_LABELS, ROLES, ROLE_LABELS, USER_STATES, STATE_LABELS } from '../../src/users/model.ts';
import { formatNumber } from '../../src/grading/explain.ts';
import { Field, FormErrors, type FormState } from '../components.tsx';
import { Layout } from '../layout.tsx';
import { viewer } from '../viewer.ts';

const levelOptions = [['', '– (not a rep)'], ...LEVELS.map((l) => [String(l), `${l} · ${LEVEL_LABELS[l]}`] as const)] as const;
const stateOptions = USER_STATES.map((s) => [s, STATE_LABELS[s]] as const);

export function UserFormPage(props: { form: FormState; mode: 'new' | 'edit'; id?: number; name?: string; conflict?: string; problem?: string; defaultCapacity?: number }) {
  const f = props.form;
  const isAdmin = viewer()?.role === 'admin';
  const roles = isAdmin ? ROLES : (['rep'] as const);
  const title = props.mode === 'new' ? 'Add a person' : `Edit ${props.name ?? 'person'}`;
  return (
    <Layout title={title} nav="team">
      <p class="small">
        <a href="/team">← Team</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action={props.mode === 'new' ? '/team' : `/team/${props.id}`} class="card" novalidate>
        {props.conflict || props.problem ? (
          <div class="alert error" role="alert">
            {props.conflict ?? props.problem}
          </div>
        ) : (
          <FormErrors form={f} />
        )}
        {props.mode === 'edit' ? <input type="hidden" name="version" value={String(f.values.version ?? '')} /> : null}
        <div class="form-grid">
          <Field form={f} name="name" label="Name" required />
          <Field form={f} name="email" label="Email" type="email" required />
          <Field form={f} name="role" label="Role" options={roles.map((r) => [r, ROLE_LABELS[r]] as const)} />
          <Field form={f} name="level" label="Level (reps)" options={levelOptions} />
          <Field
            form={f}
            name="capacity"
            label="Capacity, load points"
            hint={props.defaultCapacity === undefined ? 'Empty: the policy’s default' : `Empty: the policy’s default, ${formatNumber(props.defaultCapacity)}`}
            attrs={{ inputmode: 'decimal' }}
          />
          <Field form={f} name="region" label="Region" hint="Optional" />
          <Field form={f} name="state" label="State" options={stateOptions} />
          <Field form={f} name="leaveFrom" label="On leave from" type="date" hint="When on leave" />
          <Field form={f} name="leaveUntil" label="On leave until" type="date" hint="Optional" />
          {props.mode === 'edit' ? (
            <Field form={f} name="accounts" label="Their accounts while on leave" options={[['cover', 'Keep them, flagged as needing cover'], ['reassign', 'Reassign them now by the rules']]} hint="Deactivating someone always reassigns their accounts" />
          ) : null}
          {props.mode === 'new' || isAdmin ? (
            <Field
              form={f}
              name="password"
              label={props.mode === 'new' ? 'First password' : 'New password'}
              type="password"
              hint={props.mode === 'new' ? 'At least 10 characters; leave empty to have one made and shown once' : 'Leave empty to keep theirs; a new one signs them out everywhere'}
              attrs={{ autocomplete: 'new-password' }}
            />
          ) : null}
        </div>
        <button class="btn" type="submit">
          {props.mode === 'new' ? 'Add' : 'Save changes'}
        </button>
      </form>
    </Layout>
  );
}
