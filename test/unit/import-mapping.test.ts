import { describe, expect, it } from 'vitest';
import { detectPreset, headerSignature, mappingFromNames, mappingProblems, presetMapping, type Field, type ImportKind } from '../../src/import/mapping.ts';
import { CsvFormatError, CsvReader, sniffDelimiter } from '../../src/import/csv.ts';
import { readMultipart } from '../../src/import/multipart.ts';

// Header rows as the systems write them (the Salesforce and MavenTech ones are the real files'
// first lines; Zoho's and Odoo's are those of the exports in ../shared/datasets).
const HEADERS = {
  salesforceApi: 'name,phone,fax,website,type,industry,NumberOfEmployees,annualrevenue,description,billingstreet,billingcity,billingstate,billingpostalcode,billingcountry,shippingstreet,shippingcity,shippingstate,shippingpostalcode',
  salesforceReport: 'Account ID,Account Name,Account Owner,Type,Industry,Employees,Annual Revenue,Website,Billing City,Billing Country,Created Date',
  salesforceOpportunities: 'Opportunity ID,Opportunity Name,Account Name,Opportunity Owner,Amount,Close Date,Stage,Probability (%),Fiscal Period',
  hubspotCompanies: 'Record ID,Company name,Company owner,Create Date,Last Activity Date,Company Domain Name,Industry,Number of Employees,Annual Revenue,Lifecycle Stage',
  hubspotDeals: 'Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Pipeline,Associated Company',
  zohoAccounts: 'ACCOUNTID,Account Name,Account Owner Id,Account Owner,Account Type,Industry,Website,Tasks Involved,Events Involved,Calls Involved,Activities Involved',
  zohoLeads: 'LEADID,Last Name,Company,Lead Owner,Email,Mobile,Website,Industry,Lead Source,Lead Status,Created Time,CONVERTED,month_Created Time1',
  zohoPotentials: 'Potential Name,Potential Owner,Created Time,Closing Date,Amount,Expected Revenue,Stage,Forecast Type,Type,Lead Source,Probability',
  odoo: 'id,type,name,partner_name,contact_name,email_from,function,phone,country_id,city,zip,street,street2,expected_revenue,probability,priority,stage_id,team_id,user_id,partner_id,tag_ids,create_date,date_open,date_deadline,campaign_id,medium_id,source_id,active,color,description,outcome',
  inc5000: 'RANK,COMPANY NAME,GROWTH,EMPLOYEES,STATE, REVENUE ,FOUNDED,INDUSTRY',
  maventech: 'account,sector,year_established,revenue,employees,office_location,subsidiary_of',
  datablist: 'Index,Organization Id,Name,Website,Country,Description,Founded,Industry,Number of employees',
} as const;

const header = (k: keyof typeof HEADERS) => HEADERS[k].split(',');

/** The mapping as field → header name, for reading. */
function mapped(kind: ImportKind, k: keyof typeof HEADERS) {
  const h = header(k);
  const m = presetMapping(kind, h, detectPreset(h));
  return Object.fromEntries(Object.entries(m.columns).filter(([, i]) => i !== null).map(([f, i]) => [f, h[i!]!.trim()])) as Partial<Record<Field, string>>;
}

describe('which export a header comes from', () => {
  it.each([
    ['salesforceApi', 'salesforce'],
    ['salesforceReport', 'salesforce'],
    ['salesforceOpportunities', 'salesforce'],
    ['hubspotCompanies', 'hubspot'],
    ['hubspotDeals', 'hubspot'],
    ['zohoAccounts', 'zoho'],
    ['zohoLeads', 'zoho'],
    ['zohoPotentials', 'zoho'],
    ['odoo', 'odoo'],
    ['inc5000', 'generic'],
    ['maventech', 'generic'],
    ['datablist', 'generic'],
  ] as const)('%s is %s', (k, preset) => expect(detectPreset(header(k))).toBe(preset));
});

describe('ready mappings', () => {
  it('Salesforce API names (apex-recipes Accounts.csv)', () => {
    expect(mapped('prospects', 'salesforceApi')).toEqual({ name: 'name', domain: 'website', industry: 'industry', employees: 'NumberOfEmployees', revenue: 'annualrevenue' });
  });

  it('a Salesforce accounts report', () => {
    expect(mapped('prospects', 'salesforceReport')).toEqual({
      name: 'Account Name', domain: 'Website', industry: 'Industry', employees: 'Employees', revenue: 'Annual Revenue', owner: 'Account Owner', addedOn: 'Created Date',
    });
  });

  it('Salesforce opportunities as customers with deals', () => {
    expect(mapped('customers', 'salesforceOpportunities')).toEqual({
      name: 'Account Name', owner: 'Opportunity Owner', dealTitle: 'Opportunity Name', dealValue: 'Amount', dealStatus: 'Stage', dealCloseDate: 'Close Date',
    });
  });

  it('HubSpot companies and deals', () => {
    expect(mapped('prospects', 'hubspotCompanies')).toEqual({
      name: 'Company name', domain: 'Company Domain Name', industry: 'Industry', employees: 'Number of Employees', revenue: 'Annual Revenue', owner: 'Company owner', addedOn: 'Create Date',
    });
    expect(mapped('customers', 'hubspotDeals')).toEqual({
      name: 'Associated Company', owner: 'Deal owner', dealTitle: 'Deal Name', dealValue: 'Amount', dealStatus: 'Deal Stage', dealCloseDate: 'Close Date',
    });
  });

  it('Zoho accounts, leads and potentials', () => {
    expect(mapped('prospects', 'zohoAccounts')).toEqual({ name: 'Account Name', domain: 'Website', industry: 'Industry', owner: 'Account Owner' });
    expect(mapped('prospects', 'zohoLeads')).toEqual({ name: 'Company', domain: 'Website', industry: 'Industry', owner: 'Lead Owner', addedOn: 'Created Time' });
    // The potentials export names no account: the person must choose one (the mapping says so).
    const pot = mapped('customers', 'zohoPotentials');
    expect(pot).toMatchObject({ dealTitle: 'Potential Name', dealValue: 'Amount', dealStatus: 'Stage', dealCloseDate: 'Closing Date', owner: 'Potential Owner' });
    expect(pot.name).toBeUndefined();
  });

  it('Odoo crm.lead: the company is partner_name, the opportunity its name', () => {
    expect(mapped('prospects', 'odoo')).toEqual({ name: 'partner_name', owner: 'user_id', addedOn: 'create_date' });
    expect(mapped('customers', 'odoo')).toMatchObject({ name: 'partner_name', dealTitle: 'name', dealValue: 'expected_revenue', dealStatus: 'outcome', dealCloseDate: 'date_deadline' });
  });

  it('common names for other spreadsheets (Inc. 5000, MavenTech, Datablist)', () => {
    expect(mapped('prospects', 'inc5000')).toEqual({ name: 'COMPANY NAME', growthPct: 'GROWTH', employees: 'EMPLOYEES', revenue: 'REVENUE', industry: 'INDUSTRY' });
    expect(mapped('prospects', 'maventech')).toEqual({ name: 'account', industry: 'sector', revenue: 'revenue', employees: 'employees' });
    expect(mapped('prospects', 'datablist')).toEqual({ name: 'Name', domain: 'Website', industry: 'Industry', employees: 'Number of employees' });
  });
});

describe('a mapping is checked against its file', () => {
  const h = header('salesforceReport');

  it('the company name is required, and a column feeds one field', () => {
    const m = presetMapping('prospects', h, 'salesforce');
    expect(mappingProblems('prospects', h, m)).toEqual({});
    expect(mappingProblems('prospects', h, { ...m, columns: { ...m.columns, name: null } })).toEqual({ name: 'choose the column that holds the company name' });
    expect(mappingProblems('prospects', h, { ...m, columns: { ...m.columns, industry: 1 } })).toEqual({ industry: 'column “Account Name” already feeds company name' });
    expect(mappingProblems('prospects', h, { ...m, columns: { ...m.columns, industry: 99 } })).toEqual({ industry: 'not a column of this file' });
    expect(mappingProblems('customers', h, m)).toEqual({ dealValue: 'choose the column that holds the deal amount' });
  });

  it('an API client names columns; unknown fields and columns are named back', () => {
    const base = presetMapping('prospects', h, 'salesforce');
    const r = mappingFromNames('prospects', h, { industry: null, need: 'type', revenueScale: 1000 }, base);
    expect(r.problems).toEqual({});
    expect(r.mapping.columns.industry).toBeNull();
    expect(r.mapping.columns.need).toBe(3);
    expect(r.mapping.revenueScale).toBe(1000);
    expect(mappingFromNames('prospects', h, { colour: 'Type', domain: 'Homepage' }, base).problems).toEqual({
      colour: 'unknown field (fields: name, domain, industry, employees, revenue, growthPct, need, situation, addedOn, owner)',
      domain: 'no column “Homepage” in this file',
    });
  });

  it('the header signature ignores case, spacing and column order', () => {
    expect(headerSignature(['Account Name', 'Website'])).toBe(headerSignature(['website', ' account_name ']));
    expect(headerSignature(['Account Name', 'Website'])).not.toBe(headerSignature(['Account Name', 'Web Site', 'Phone']));
  });
});

describe('reading CSV in pieces', () => {
  const read = async (pieces: string[], delimiter: ',' | ';' = ',') => {
    const r = new CsvReader(delimiter);
    const rows = pieces.flatMap((p) => r.push(p));
    return [...rows, ...(await r.end())];
  };

  it('numbers each row by the line it starts on, across quoted newlines, CRLF and blank lines', async () => {
    const rows = await read(['Name,Note\r\n"Multi\r\nline",x\r\n', '\r\nPlain,"a,b"\r\n"Three\nline\nnote",y']);
    expect(rows.map((r) => [r.line, r.cells])).toEqual([
      [1, ['Name', 'Note']],
      [2, ['Multi\r\nline', 'x']],
      [5, ['Plain', 'a,b']],
      [6, ['Three\nline\nnote', 'y']],
    ]);
  });

  it('a piece may end anywhere, even inside a quoted field', async () => {
    const whole = 'a,b\n1,"x,\ny"\n2,3\n';
    for (let cut = 1; cut < whole.length; cut++) {
      const rows = await read([whole.slice(0, cut), whole.slice(cut)]);
      expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
      expect(rows[1]!.cells).toEqual(['1', 'x,\ny']);
    }
  });

  it('a quote left open is an error on the line it opens', async () => {
    const err = await read(['Name,Web\nGood,g.com\n"Broken,b.com\nNever,n.com\n']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvFormatError);
    expect((err as CsvFormatError).line).toBe(3);
    expect((err as CsvFormatError).problem).toBe('a quoted field is never closed: a " is missing');
  });

  it('finds the separator on the first line, outside quotes', () => {
    expect(sniffDelimiter('a;b;c\n1,2;3')).toBe(';');
    expect(sniffDelimiter('"x;y;z",b,c\n')).toBe(',');
    expect(sniffDelimiter('a\tb\tc')).toBe('\t');
    expect(sniffDelimiter('name')).toBe(',');
  });
});

describe('reading an upload form as it arrives', () => {
  async function events(body: string, boundary: string, pieceSize: number) {
    const bytes = Buffer.from(body);
    async function* pieces() {
      for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.subarray(i, i + pieceSize);
    }
    const out: unknown[] = [];
    let file = '';
    for await (const e of readMultipart(pieces(), boundary)) {
      if (e.type === 'data') file += Buffer.from(e.bytes).toString();
      else out.push(e);
    }
    return { out, file };
  }

  const boundary = '----WebKitFormBoundaryX3';
  const body = [
    `--${boundary}`, 'Content-Disposition: form-data; name="kind"', '', 'customers',
    `--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="accounts.csv"', 'Content-Type: text/csv', '', `a,b\r\n1,"2\r\n--${boundary.slice(0, 10)}"\r\n`,
    `--${boundary}--`, '',
  ].join('\r\n');

  it.each([1, 3, 7, 64, 100_000])('gives fields and the file, whatever the size of the pieces (%i bytes)', async (size) => {
    const { out, file } = await events(body, boundary, size);
    expect(out).toEqual([{ type: 'field', name: 'kind', value: 'customers' }, { type: 'file', name: 'file', filename: 'accounts.csv' }, { type: 'fileEnd' }]);
    expect(file).toBe(`a,b\r\n1,"2\r\n--${boundary.slice(0, 10)}"\r\n`);
  });

  it('a form cut short is an error', async () => {
    await expect(events(body.slice(0, body.length - 30), boundary, 50)).rejects.toThrow('the form ended before its last part');
  });
});
