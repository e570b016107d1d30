import { dueLine, type TouchDue } from '../../src/cadence/cadence.ts';

/** An account's contact cadence on its page: one line per interval, overdue ones first. */
export function CadenceLines(props: { dues?: TouchDue[]; today: string }) {
  if (!props.dues?.length) return null;
  const dues = [...props.dues].sort((a, b) => b.daysOverdue - a.daysOverdue || (a.dueOn < b.dueOn ? -1 : 1));
  return (
    <div class="small" data-testid="cadence">
      {dues.map((d) => (
        <div class={`cadence${d.daysOverdue > 0 ? ' overdue' : ''}`}>{dueLine(d, props.today)}</div>
      ))}
    </div>
  );
}
