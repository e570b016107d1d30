import { NEEDS, SITUATIONS } from '../../src/policy/policy.ts';
import { Field, FormErrors, type FormState } from '../components.tsx';
import { Layout } from '../layout.tsx';

const needOptions = [['', 'Unknown'], ...NEEDS.map((n) => [n, n] as const)] as const;
const situationOptions = [['', 'Unknown'], ...SITUATIONS.map((s) => [s, s === 'greenfield' ? 'Greenfield (no system yet)' : 'Incumbent (has a system)'] as const)] as const;

export function ProspectFormPage(props: { form: FormState; mode: 'new' | 'edit'; id?: number; name?: string; conflict?: string; today: string }) {
  const f = props.form;
  const action = props.mode === 'new' ? '/prospects' : `/prospects/${props.id}`;
  const title = props.mode === 'new' ? 'New prospect' : `Edit ${props.name ?? 'prospect'}`;
  return (
    <Layout title={title} nav={props.mode === 'new' ? 'new' : 'prospects'}>
      <p class="small">
        <a href={props.mode === 'new' ? '/prospects' : `/prospects/${props.id}`}>← Back</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action={action} class="card" novalidate>
        {props.conflict ? (
          <div class="alert error" role="alert">
            {props.conflict}
          </div>
        ) : (
          <FormErrors form={f} />
        )}
        {props.mode === 'edit' ? <input type="hidden" name="version" value={String(f.values.version ?? '')} /> : null}
        <div class="form-grid">
          <Field form={f} name="name" label="Company name" required />
          <Field form={f} name="domain" label="Website domain" hint="acme.com" />
          <Field form={f} name="industry" label="Industry" />
          <Field form={f} name="employees" label="Employees" type="text" attrs={{ inputmode: 'numeric' }} />
          <Field form={f} name="revenue" label="Annual revenue" type="text" hint="In the org's currency" attrs={{ inputmode: 'decimal' }} />
          <Field form={f} name="growthPct" label="Revenue growth, % year on year" type="text" attrs={{ inputmode: 'decimal' }} />
          <Field form={f} name="need" label="Need (your assessment)" options={needOptions} />
          <Field form={f} name="situation" label="Situation" options={situationOptions} />
          <Field form={f} name="addedOn" label="Added on" type="date" hint="Defaults to today" attrs={{ max: props.today }} />
        </div>
        <button class="btn" type="submit">
          {props.mode === 'new' ? 'Add prospect' : 'Save changes'}
        </button>
      </form>
    </Layout>
  );
}
