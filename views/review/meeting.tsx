import type { ActionItemView, NoteView, Person } from '../../src/review/queries.ts';
import { shortDate } from '../../src/review/weeks.ts';
import { Field, FormErrors, type FormState } from '../components.tsx';
import { when } from '../time.ts';

// The meeting's notes and action items of a week. Each section is also the fragment htmx swaps
// after a post (the forms post without JavaScript too, and come back with 303 or 422).

const hx = (path: string, target: string) => ({ method: 'post' as const, action: path, 'hx-post': path, 'hx-target': target, 'hx-swap': 'outerHTML' });

export function NotesSection(props: { week: string; notes: NoteView[]; form: FormState }) {
  const path = `/review/weeks/${props.week}/notes`;
  return (
    <section class="card review-section" id="notes" aria-labelledby="notes-h">
      <h2 id="notes-h">Meeting notes</h2>
      {props.notes.length ? (
        <ul class="notes">
          {props.notes.map((n) => (
            <li>
              <div class="note-body">{n.body}</div>
              <div class="muted small">
                {n.createdBy}, {when(n.createdAt)}
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No notes for this week yet.</p>
      )}
      <form {...hx(path, '#notes')} class="no-print" novalidate>
        <FormErrors form={props.form} />
        <Field form={props.form} name="body" label="Add a note" textarea required />
        <button class="btn" type="submit">
          Add note
        </button>
      </form>
    </section>
  );
}

export function ActionItemsSection(props: { week: string; items: ActionItemView[]; people: Person[]; form: FormState; problem?: string; csv: string }) {
  const path = `/review/weeks/${props.week}/action-items`;
  const active = props.people.filter((p) => p.state !== 'deactivated');
  return (
    <section class="card review-section" id="actions" aria-labelledby="actions-h">
      <div class="row spread">
        <h2 id="actions-h">Action items</h2>
        <a class="no-print small" href={props.csv}>
          CSV
        </a>
      </div>
      {props.problem ? (
        <p class="alert error" role="alert">
          {props.problem}
        </p>
      ) : null}
      {props.items.length ? (
        <div class="table-wrap">
          <table class="review-table actions-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">Due</th>
                <th scope="col">Account</th>
                <th scope="col" class="no-print">
                  <span class="sr-only">Change</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((i) => (
                <tr class={i.status === 'done' ? 'done' : undefined} id={`action-${i.id}`}>
                  <td>
                    {i.status === 'done' ? `Done ${i.doneOn ?? ''}` : i.dueOn && i.dueOn < props.week ? <span class="status">overdue</span> : 'Open'}
                  </td>
                  <td>
                    {i.text}
                    {i.week !== props.week ? <div class="muted small">from the week of {shortDate(i.week, true)}</div> : null}
                  </td>
                  <td>{i.ownerName ?? <span class="muted">nobody</span>}</td>
                  <td class="date">
                    {i.dueOn ?? '–'}
                  </td>
                  <td>{i.accountId ? <a href={`/${i.accountKind === 'customer' ? 'customers' : 'prospects'}/${i.accountId}`}>{i.accountName ?? `#${i.accountId}`}</a> : '–'}</td>
                  <td class="no-print">
                    <form {...hx(`/action-items/${i.id}/${i.status === 'done' ? 'reopening' : 'completion'}`, '#actions')}>
                      <input type="hidden" name="version" value={String(i.version)} />
                      <input type="hidden" name="week" value={props.week} />
                      <button class="linkish" type="submit">
                        {i.status === 'done' ? 'Reopen' : 'Mark done'}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No action items.</p>
      )}
      <form {...hx(path, '#actions')} class="no-print" novalidate>
        <h3>Add an action item</h3>
        <FormErrors form={props.form} />
        <div class="form-grid">
          <Field form={props.form} name="text" label="What is to be done" required />
          <Field form={props.form} name="ownerId" label="Who" required options={[['', 'Choose…'], ...active.map((p): [string, string] => [String(p.id), p.name])]} />
          <Field form={props.form} name="dueOn" label="Due" type="date" required />
          <Field form={props.form} name="accountId" label="Account number (optional)" hint="e.g. 42, from the account's address" />
        </div>
        <button class="btn" type="submit">
          Add action item
        </button>
      </form>
    </section>
  );
}
