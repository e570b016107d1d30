import { createHash } from 'node:crypto';

// PURE: which column of a file feeds which field. Ready mappings for the column names that
// Salesforce, HubSpot, Zoho and Odoo write in their exports (as the API names and as the labels
// their export screens use), and common names for any other spreadsheet. No I/O.

export const IMPORT_KINDS = ['prospects', 'customers'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const ACCOUNT_FIELDS = ['name', 'domain', 'industry', 'employees', 'revenue', 'growthPct', 'need', 'situation', 'addedOn', 'owner'] as const;
export const DEAL_FIELDS = ['dealTitle', 'dealValue', 'dealStatus', 'dealCloseDate', 'dealMargin'] as const;
export type Field = (typeof ACCOUNT_FIELDS)[number] | (typeof DEAL_FIELDS)[number];

export const FIELD_LABELS: Record<Field, string> = {
  name: 'Company name',
  domain: 'Website (matched by domain)',
  industry: 'Industry',
  employees: 'Employees',
  revenue: 'Annual revenue',
  growthPct: 'Growth (% per year)',
  need: 'Need (none … critical)',
  situation: 'Situation (greenfield or incumbent)',
  addedOn: 'Added on (created date)',
  owner: 'Owner (a user’s email or name)',
  dealTitle: 'Deal name',
  dealValue: 'Deal amount',
  dealStatus: 'Deal stage (won, lost or open)',
  dealCloseDate: 'Close date (expected, while open)',
  dealMargin: 'Deal margin (%)',
};

export function fieldsOf(kind: ImportKind): readonly Field[] {
  return kind === 'customers' ? [...ACCOUNT_FIELDS, ...DEAL_FIELDS] : ACCOUNT_FIELDS;
}

export function requiredFields(kind: ImportKind): Field[] {
  return kind === 'customers' ? ['name', 'dealValue'] : ['name'];
}

/** Field → column index (null: not imported), and how revenue is written (in units, thousands or millions). */
export type Mapping = { columns: Partial<Record<Field, number | null>>; revenueScale: number };

export const REVENUE_SCALES = [1, 1e3, 1e6] as const;

/** "Account Name", "account_name" and "AccountName" are one name. */
export const normalizeHeader = (h: string) => h.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** The same header (whatever the case, spacing or order of columns) gives the same signature. */
export function headerSignature(header: readonly string[]): string {
  const names = header.map(normalizeHeader).filter(Boolean).sort();
  return createHash('sha256').update(names.join('\u0001')).digest('hex').slice(0, 32);
}

export type PresetName = 'salesforce' | 'hubspot' | 'zoho' | 'odoo' | 'generic';

type Preset = {
  label: string;
  /** Headers only this system writes: two or more of them name the preset. */
  marks: string[];
  fields: Partial<Record<ImportKind, Partial<Record<Field, string[]>>>>;
};

const ACCOUNT_NAMES = {
  salesforce: {
    name: ['Account Name', 'Name', 'Account.Name'],
    domain: ['Website'],
    industry: ['Industry'],
    employees: ['Employees', 'NumberOfEmployees'],
    revenue: ['Annual Revenue', 'AnnualRevenue'],
    owner: ['Account Owner', 'Owner Name', 'Owner.Name', 'Owner Email', 'Owner.Email'],
    addedOn: ['Created Date', 'CreatedDate'],
  },
  hubspot: {
    name: ['Company name', 'Name', 'Associated Company', 'Associated Company (Primary)'],
    domain: ['Company Domain Name', 'Website URL', 'Domain'],
    industry: ['Industry'],
    employees: ['Number of Employees'],
    revenue: ['Annual Revenue'],
    owner: ['Company owner', 'HubSpot Owner', 'Deal owner'],
    addedOn: ['Create Date'],
  },
  zoho: {
    name: ['Account Name', 'Company'],
    domain: ['Website'],
    industry: ['Industry'],
    employees: ['Employees', 'No. of Employees'],
    revenue: ['Annual Revenue'],
    owner: ['Account Owner', 'Lead Owner', 'Potential Owner', 'Deal Owner'],
    addedOn: ['Created Time'],
  },
  odoo: {
    name: ['partner_name', 'Company Name', 'Customer'],
    domain: ['website', 'Website'],
    owner: ['user_id', 'Salesperson'],
    addedOn: ['create_date', 'Created on'],
  },
} satisfies Record<string, Partial<Record<Field, string[]>>>;

export const PRESETS: Record<Exclude<PresetName, 'generic'>, Preset> = {
  salesforce: {
    label: 'Salesforce',
    marks: ['Account ID', 'Account Owner', 'Account Source', 'Billing City', 'BillingCity', 'BillingStreet', 'BillingState', 'BillingPostalCode', 'BillingCountry', 'ShippingStreet', 'NumberOfEmployees', 'AnnualRevenue', 'Opportunity Name', 'Opportunity Owner', 'Opportunity ID', 'StageName', 'CloseDate', 'AccountId', 'Fiscal Period'],
    fields: {
      prospects: ACCOUNT_NAMES.salesforce,
      customers: {
        ...ACCOUNT_NAMES.salesforce,
        name: ['Account Name', 'Account.Name', 'Account'],
        owner: ['Opportunity Owner', 'Account Owner'],
        dealTitle: ['Opportunity Name', 'Name'],
        dealValue: ['Amount'],
        dealStatus: ['Stage', 'StageName'],
        dealCloseDate: ['Close Date', 'CloseDate'],
      },
    },
  },
  hubspot: {
    label: 'HubSpot',
    marks: ['Record ID', 'Company Domain Name', 'Company owner', 'Lifecycle Stage', 'HubSpot Owner', 'Last Activity Date', 'Website URL', 'Deal Name', 'Deal Stage', 'Deal owner', 'Pipeline', 'Associated Company', 'Create Date'],
    fields: {
      prospects: ACCOUNT_NAMES.hubspot,
      customers: {
        ...ACCOUNT_NAMES.hubspot,
        name: ['Associated Company', 'Associated Company (Primary)', 'Company name'],
        dealTitle: ['Deal Name'],
        dealValue: ['Amount'],
        dealStatus: ['Deal Stage'],
        dealCloseDate: ['Close Date'],
      },
    },
  },
  zoho: {
    label: 'Zoho CRM',
    marks: ['ACCOUNTID', 'Account Owner Id', 'Account Owner', 'Account Type', 'Lead Owner', 'Lead Status', 'Lead Source', 'LEADID', 'Created Time', 'Modified Time', 'Potential Name', 'Potential Owner', 'Closing Date', 'Forecast Type', 'Deal Owner'],
    fields: {
      prospects: ACCOUNT_NAMES.zoho,
      customers: {
        ...ACCOUNT_NAMES.zoho,
        name: ['Account Name'],
        dealTitle: ['Potential Name', 'Deal Name'],
        dealValue: ['Amount'],
        dealStatus: ['Stage', 'Forecast Type'],
        dealCloseDate: ['Closing Date'],
      },
    },
  },
  odoo: {
    label: 'Odoo',
    marks: ['partner_name', 'stage_id', 'user_id', 'team_id', 'email_from', 'contact_name', 'date_deadline', 'expected_revenue', 'Salesperson', 'Sales Team', 'Expected Closing', 'Expected Revenue'],
    fields: {
      prospects: ACCOUNT_NAMES.odoo,
      customers: {
        ...ACCOUNT_NAMES.odoo,
        dealTitle: ['name', 'Opportunity'],
        dealValue: ['expected_revenue', 'Expected Revenue'],
        dealStatus: ['outcome', 'stage_id', 'Stage'],
        dealCloseDate: ['date_closed', 'date_deadline', 'Closed Date', 'Expected Closing'],
      },
    },
  },
};

/** Names any spreadsheet may use, tried after a preset's own. */
const GENERIC: Record<Field, string[]> = {
  name: ['Name', 'Company', 'Company Name', 'Account', 'Account Name', 'Organization', 'Organisation', 'Organization Name', 'Business Name', 'Customer'],
  domain: ['Domain', 'Website', 'Web Site', 'Website URL', 'URL', 'Web', 'Site', 'Company Domain', 'Homepage'],
  industry: ['Industry', 'Sector', 'Vertical', 'Segment'],
  employees: ['Employees', 'Number of Employees', 'No. of Employees', 'Employee Count', 'Headcount', 'Staff', 'Company Size', 'Size', 'FTE'],
  revenue: ['Revenue', 'Annual Revenue', 'Turnover', 'Sales', 'Yearly Revenue'],
  growthPct: ['Growth', 'Growth %', 'Growth Pct', 'Growth Percent', 'Revenue Growth', 'YoY Growth', 'Growth Rate'],
  need: ['Need', 'Need Level'],
  situation: ['Situation'],
  addedOn: ['Added On', 'Added', 'Date Added', 'Created', 'Created Date', 'Create Date', 'Created At', 'Created Time', 'Created On'],
  owner: ['Owner', 'Account Owner', 'Sales Rep', 'Salesperson', 'Sales Agent', 'Rep', 'Assigned To', 'Owner Email'],
  dealTitle: ['Deal', 'Deal Name', 'Opportunity', 'Opportunity Name', 'Title', 'Product'],
  dealValue: ['Amount', 'Value', 'Deal Value', 'Deal Amount', 'Close Value', 'Price'],
  dealStatus: ['Stage', 'Status', 'Deal Stage', 'Outcome', 'Deal Status'],
  dealCloseDate: ['Close Date', 'Closed On', 'Closing Date', 'Closed Date', 'Expected Close', 'Expected Close Date'],
  dealMargin: ['Margin', 'Margin %', 'Gross Margin', 'Margin Pct'],
};

export const PRESET_LABELS: Record<PresetName, string> = {
  salesforce: 'Salesforce',
  hubspot: 'HubSpot',
  zoho: 'Zoho CRM',
  odoo: 'Odoo',
  generic: 'a spreadsheet (common column names)',
};

/** The export a header comes from: the preset with the most of its own headers, two at least. */
export function detectPreset(header: readonly string[]): PresetName {
  const have = new Set(header.map(normalizeHeader));
  let best: PresetName = 'generic';
  let bestScore = 1;
  for (const [name, p] of Object.entries(PRESETS) as [Exclude<PresetName, 'generic'>, Preset][]) {
    const score = p.marks.filter((m) => have.has(normalizeHeader(m))).length;
    if (score > bestScore) {
      best = name;
      bestScore = score;
    }
  }
  return best;
}

/** The mapping a preset (and then the common names) gives a header; each column feeds one field at most. */
export function presetMapping(kind: ImportKind, header: readonly string[], preset: PresetName): Mapping {
  const norm = header.map(normalizeHeader);
  const used = new Set<number>();
  const columns: Mapping['columns'] = {};
  const own = preset === 'generic' ? {} : (PRESETS[preset].fields[kind] ?? {});
  for (const names of [own, GENERIC] as Partial<Record<Field, string[]>>[]) {
    for (const field of fieldsOf(kind)) {
      if (columns[field] !== undefined && columns[field] !== null) continue;
      for (const n of names[field] ?? []) {
        const i = norm.findIndex((h, k) => h === normalizeHeader(n) && !used.has(k));
        if (i >= 0) {
          columns[field] = i;
          used.add(i);
          break;
        }
      }
    }
  }
  for (const f of fieldsOf(kind)) columns[f] ??= null;
  return { columns, revenueScale: 1 };
}

/** What is wrong with a mapping for this header, as messages keyed by field; empty when it can be used. */
export function mappingProblems(kind: ImportKind, header: readonly string[], m: Mapping): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Map<number, Field>();
  for (const f of fieldsOf(kind)) {
    const c = m.columns[f];
    if (c === null || c === undefined) {
      if (requiredFields(kind).includes(f)) out[f] = `choose the column that holds the ${FIELD_LABELS[f].toLowerCase()}`;
      continue;
    }
    if (!Number.isInteger(c) || c < 0 || c >= header.length) out[f] = 'not a column of this file';
    else if (seen.has(c)) out[f] = `column “${header[c]}” already feeds ${FIELD_LABELS[seen.get(c)!].toLowerCase()}`;
    else seen.set(c, f);
  }
  if (!(REVENUE_SCALES as readonly number[]).includes(m.revenueScale)) out.revenueScale = 'revenue is in units, thousands or millions';
  return out;
}

/** A mapping from column names (as an API client sends it): field → header name or 0-based index. */
export function mappingFromNames(kind: ImportKind, header: readonly string[], given: Record<string, unknown>, base: Mapping): { mapping: Mapping; problems: Record<string, string> } {
  const columns = { ...base.columns };
  const problems: Record<string, string> = {};
  const norm = header.map(normalizeHeader);
  let revenueScale = base.revenueScale;
  for (const [key, v] of Object.entries(given)) {
    if (key === 'revenueScale') {
      revenueScale = Number(v);
      continue;
    }
    if (!fieldsOf(kind).includes(key as Field)) {
      problems[key] = `unknown field (fields: ${fieldsOf(kind).join(', ')})`;
      continue;
    }
    if (v === null || v === '') columns[key as Field] = null;
    else if (typeof v === 'number') columns[key as Field] = v;
    else if (typeof v === 'string') {
      const i = norm.indexOf(normalizeHeader(v));
      if (i < 0) problems[key] = `no column “${v}” in this file`;
      else columns[key as Field] = i;
    } else problems[key] = 'give a column name, its 0-based index, or null';
  }
  const mapping = { columns, revenueScale };
  return { mapping, problems: { ...problems, ...mappingProblems(kind, header, mapping) } };
}
