import type { z } from 'zod';
import { nameKey, newProspectSchema, type NewProspect } from '../prospects/validation.ts';
import { newDealSchema, type NewDeal } from '../customers/validation.ts';
import type { CsvRow } from './csv.ts';
import { FIELD_LABELS, type Field, type ImportKind, type Mapping } from './mapping.ts';
import { isBlank, readDate, readDealStatus, readNeed, readNumber, readSituation, readText, type DateOrder, type Read } from './values.ts';

// PURE: one row of a file as the fields of a prospect (and, for customers, a deal), validated by
// the same rules as the forms (src/prospects/validation.ts, src/customers/validation.ts), or the
// reasons it cannot be imported, naming the file's own columns.

export type RowContext = {
  kind: ImportKind;
  header: readonly string[];
  mapping: Mapping;
  today: string;
  decimalComma: boolean;
  /** Per column: how its "a/b/yyyy" dates are ordered. */
  dateOrders: readonly (DateOrder | null)[];
  prospectSchema: ReturnType<typeof newProspectSchema>;
  dealSchema: ReturnType<typeof newDealSchema>;
};

export function rowContext(v: Omit<RowContext, 'prospectSchema' | 'dealSchema'>): RowContext {
  return { ...v, prospectSchema: newProspectSchema(v.today), dealSchema: newDealSchema(v.today) };
}

/** The prospect fields a row can give; which of them it did give (a blank cell never erases what is known). */
export type ProspectField = Exclude<keyof NewProspect, 'addedOn'>;
const PROSPECT_FIELDS: readonly ProspectField[] = ['name', 'domain', 'industry', 'employees', 'revenue', 'growthPct', 'need', 'situation'];

export type Candidate = {
  line: number;
  prospect: NewProspect;
  given: ProspectField[];
  domain: string | null;
  nameKey: string;
  owner: string | null;
  deal: NewDeal | null;
};

export type RowResult = { ok: true; candidate: Candidate } | { ok: false; line: number; reason: string };

const LOST_REASON = 'lost before the import (from the file)';

export function readRow(row: CsvRow, ctx: RowContext): RowResult {
  const { header, mapping } = ctx;
  const cells = row.cells;
  if (cells.length !== header.length) {
    const extraBlank = cells.length > header.length && cells.slice(header.length).every((c) => c.trim() === '');
    if (!extraBlank)
      return { ok: false, line: row.line, reason: `has ${cells.length} cells where the header has ${header.length}: a separator or a quote is probably missing` };
  }
  const problems: string[] = [];
  // Module-level helpers, not closures: a closure per cell read per row is garbage (and, compiled
  // with kept names, a defineProperty call each) at a million rows.
  const style = ctx.decimalComma ? DECIMAL_COMMA : DECIMAL_POINT;

  const revenue = taken(ctx, problems, 'revenue', readNumber(cellOf(ctx, cells, 'revenue'), style));
  const raw = {
    name: readText(cellOf(ctx, cells, 'name')) ?? '',
    domain: readText(cellOf(ctx, cells, 'domain')),
    industry: readText(cellOf(ctx, cells, 'industry')),
    employees: taken(ctx, problems, 'employees', readNumber(cellOf(ctx, cells, 'employees'), style)),
    revenue: revenue === null ? null : Math.round(revenue * mapping.revenueScale * 100) / 100,
    growthPct: taken(ctx, problems, 'growthPct', readNumber(cellOf(ctx, cells, 'growthPct'), style)),
    need: taken(ctx, problems, 'need', readNeed(cellOf(ctx, cells, 'need'))),
    situation: taken(ctx, problems, 'situation', readSituation(cellOf(ctx, cells, 'situation'))),
    addedOn: taken(ctx, problems, 'addedOn', readDate(cellOf(ctx, cells, 'addedOn'), dateOrderOf(ctx, 'addedOn'))),
  };
  const parsed = ctx.prospectSchema.safeParse(raw);
  if (!parsed.success) problems.push(...issues(parsed.error, (f) => labelOf(ctx, f as Field), raw));

  let deal: NewDeal | null = null;
  if (ctx.kind === 'customers') {
    const value = taken(ctx, problems, 'dealValue', readNumber(cellOf(ctx, cells, 'dealValue'), style));
    const status = taken(ctx, problems, 'dealStatus', readDealStatus(cellOf(ctx, cells, 'dealStatus'))) ?? 'open';
    const closeDate = taken(ctx, problems, 'dealCloseDate', readDate(cellOf(ctx, cells, 'dealCloseDate'), dateOrderOf(ctx, 'dealCloseDate')));
    const marginPct = taken(ctx, problems, 'dealMargin', readNumber(cellOf(ctx, cells, 'dealMargin'), style));
    if (status !== 'open' && !closeDate && !problems.some((p) => p.startsWith(`${labelOf(ctx, 'dealCloseDate')}:`)))
      problems.push(`${labelOf(ctx, 'dealCloseDate')}: is empty, and a ${status} deal needs the day it closed`);
    if (isBlank(cellOf(ctx, cells, 'dealValue')) && value === null) problems.push(`${labelOf(ctx, 'dealValue')}: the deal amount is empty`);
    const d = ctx.dealSchema.safeParse({
      title: readText(cellOf(ctx, cells, 'dealTitle')) ?? (raw.name ? `${raw.name} deal` : 'Imported deal'),
      value,
      marginPct,
      status,
      closedOn: status === 'open' ? null : closeDate,
      expectedCloseOn: status === 'open' ? closeDate : null,
      lostReason: status === 'lost' ? LOST_REASON : null,
    });
    const dealLabel = (k: string): string =>
      ({ title: labelOf(ctx, 'dealTitle'), value: labelOf(ctx, 'dealValue'), marginPct: labelOf(ctx, 'dealMargin'), closedOn: labelOf(ctx, 'dealCloseDate'), expectedCloseOn: labelOf(ctx, 'dealCloseDate') })[k] ?? k;
    if (d.success) deal = d.data;
    else if (value !== null || !isBlank(cellOf(ctx, cells, 'dealValue'))) problems.push(...issues(d.error, dealLabel, {}));
  }

  if (problems.length || !parsed.success) return { ok: false, line: row.line, reason: [...new Set(problems)].join('; ') };
  const prospect = parsed.data;
  const given = PROSPECT_FIELDS.filter((f) => prospect[f] !== null && prospect[f] !== undefined);
  return {
    ok: true,
    candidate: { line: row.line, prospect, given, domain: prospect.domain ?? null, nameKey: nameKey(prospect.name), owner: readText(cellOf(ctx, cells, 'owner')), deal },
  };
}

const DECIMAL_COMMA = { decimalComma: true };
const DECIMAL_POINT = { decimalComma: false };

function cellOf(ctx: RowContext, cells: readonly string[], f: Field): string | undefined {
  const i = ctx.mapping.columns[f] ?? null;
  return i === null ? undefined : cells[i];
}

function labelOf(ctx: RowContext, f: Field): string {
  const i = ctx.mapping.columns[f] ?? null;
  return i === null ? FIELD_LABELS[f] : ctx.header[i]?.trim() || `column ${i + 1}`;
}

function taken<T>(ctx: RowContext, problems: string[], f: Field, r: Read<T>): T | null {
  if (r.ok) return r.value;
  problems.push(`${labelOf(ctx, f)}: ${r.problem}`);
  return null;
}

function dateOrderOf(ctx: RowContext, f: Field): DateOrder {
  const i = ctx.mapping.columns[f] ?? null;
  return (i === null ? null : ctx.dateOrders[i]) ?? 'mdy';
}

function issues(error: z.ZodError, labelOf: (field: string) => string, raw: Record<string, unknown>): string[] {
  return error.issues.map((i) => {
    const field = String(i.path[0] ?? '');
    const message = field === 'name' && /required/i.test(i.message) ? 'the company name is empty' : i.message;
    const value = field === 'domain' && typeof raw.domain === 'string' ? `"${raw.domain}" ` : '';
    return `${labelOf(field)}: ${value}${message}`;
  });
}
