import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

/** One cost line of a bill, in the export's currency. */
export interface CostLine {
  /** the start of the usage it charges for, ms */
  at: number;
  cost: number;
  /** what a reader knows it by: the service, or the resource when the export names it */
  service: string;
  resource?: string;
  currency: string;
}

export interface BillingFile {
  file: string;
  format?: 'aws-cur' | 'aws-cur2' | 'gcp' | 'gcp-cost-table' | 'azure' | 'azure-legacy';
  lines: CostLine[];
  error?: string;
}

/** Each export's columns, as its provider names them; the first column set a header holds wins. */
const formats: {
  name: NonNullable<BillingFile['format']>;
  at: string;
  cost: string[];
  service: string;
  resource?: string;
  currency?: string;
  /** rows to leave out (taxes are charges too; AWS's credits and refunds are negative lines, kept) */
  skip?: (row: Record<string, string>) => boolean;
}[] = [
  // AWS Cost and Usage Report (legacy CUR): "lineItem/…" and "product/…" columns
  {
    name: 'aws-cur',
    at: 'lineItem/UsageStartDate',
    cost: ['lineItem/UnblendedCost'],
    service: 'product/ProductName',
    resource: 'lineItem/ResourceId',
    currency: 'lineItem/CurrencyCode',
  },
  // CUR 2.0 (Data Exports): the same fields in snake case
  {
    name: 'aws-cur2',
    at: 'line_item_usage_start_date',
    cost: ['line_item_unblended_cost'],
    service: 'line_item_product_code',
    resource: 'line_item_resource_id',
    currency: 'line_item_currency_code',
  },
  // GCP Cloud Billing export to BigQuery, saved as CSV: nested fields flattened with dots
  {
    name: 'gcp',
    at: 'usage_start_time',
    cost: ['cost'],
    service: 'service.description',
    resource: 'resource.name',
    currency: 'currency',
  },
  // GCP console's cost table download
  {
    name: 'gcp-cost-table',
    at: 'Usage start date',
    cost: ['Unrounded Cost ($)', 'Cost ($)'],
    service: 'Service description',
    resource: 'Project ID',
  },
  // Azure Cost Management export (actual cost, EA/MCA schema)
  {
    name: 'azure',
    at: 'Date',
    cost: ['CostInBillingCurrency', 'costInBillingCurrency'],
    service: 'MeterCategory',
    resource: 'ResourceId',
    currency: 'BillingCurrencyCode',
  },
  // Azure's older usage export
  {
    name: 'azure-legacy',
    at: 'UsageDateTime',
    cost: ['PreTaxCost'],
    service: 'ConsumedService',
    resource: 'InstanceId',
    currency: 'Currency',
  },
];

/** Azure writes dates as MM/DD/YYYY; the others ISO 8601 or "YYYY-MM-DD HH:MM:SS UTC". */
function parseDate(s: string): number {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s.trim());
  if (us) return Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]));
  const t = s
    .trim()
    .replace(' UTC', 'Z')
    .replace(/^(\d{4}-\d\d-\d\d) /, '$1T');
  return Date.parse(/^\d{4}-\d\d-\d\d$/.test(t) ? `${t}T00:00:00Z` : t);
}

/** The last segment of an ARN or Azure resource id: "i-0abc" of arn:aws:ec2:…:instance/i-0abc. */
const shortResource = (r: string) => r.split(/[/:]/).filter(Boolean).at(-1) ?? r;

/** Parse one export; an unknown header or a bad row is the file's error, never a throw. */
export function parseBilling(text: string, file: string): BillingFile {
  let rows: Record<string, string>[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
    });
  } catch (e) {
    return { file, lines: [], error: `not CSV: ${(e as Error).message}` };
  }
  const header = rows[0] ? Object.keys(rows[0]) : (text.split(/\r?\n/)[0] ?? '').split(',');
  const f = formats.find(
    (x) => header.includes(x.at) && x.cost.some((c) => header.includes(c)) && header.includes(x.service),
  );
  if (!f)
    return {
      file,
      lines: [],
      error: `unknown columns (${header.slice(0, 6).join(', ')}${header.length > 6 ? ', …' : ''}): not an AWS CUR, GCP billing or Azure cost export`,
    };
  const costCol = f.cost.find((c) => header.includes(c))!;
  const lines: CostLine[] = [];
  for (const [i, row] of rows.entries()) {
    const at = parseDate(row[f.at] ?? '');
    const cost = Number(row[costCol]);
    if (!Number.isFinite(at) || !Number.isFinite(cost))
      return {
        file,
        format: f.name,
        lines: [],
        error: `row ${i + 2}: "${row[f.at]}" / "${row[costCol]}" is not a date and an amount`,
      };
    const resource = f.resource && row[f.resource] ? shortResource(row[f.resource]!) : undefined;
    lines.push({
      at,
      cost,
      service: row[f.service] || 'other',
      ...(resource ? { resource } : {}),
      currency: (f.currency && row[f.currency]) || 'USD',
    });
  }
  return { file, format: f.name, lines };
}

/** Every CSV in a folder (or one file), each parsed on its own. */
export async function readBilling(source: string): Promise<BillingFile[]> {
  const st = await stat(source).catch(() => undefined);
  if (!st) return [{ file: source, lines: [], error: 'no such file or folder' }];
  const files = st.isDirectory()
    ? (await readdir(source))
        .filter((f) => f.toLowerCase().endsWith('.csv'))
        .sort()
        .map((f) => path.join(source, f))
    : [source];
  if (!files.length) return [{ file: source, lines: [], error: 'no .csv billing export in this folder' }];
  return Promise.all(files.map(async (f) => parseBilling(await readFile(f, 'utf8'), f)));
}
