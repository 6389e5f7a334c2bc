import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { parseBilling } from '../../src/costs/billing.js';
import { reportOf, runRoutine } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';

const day = 86_400_000;
// Sunday 20 December 2026, 08:00 UTC: 20 days of December billed
const now = Date.UTC(2026, 11, 20, 8);
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10);

/** A legacy CUR: its real column names; $40 a day in December, $38 a day in November. */
function awsCur(): string {
  const header =
    'identity/LineItemId,bill/BillingPeriodStartDate,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/CurrencyCode,product/ProductName';
  const rows: string[] = [header];
  const items: [string, string, string, number][] = [
    ['AmazonEC2', 'arn:aws:ec2:eu-west-1:123456789012:instance/i-db2', 'Amazon Elastic Compute Cloud', 15],
    ['AmazonEC2', 'arn:aws:ec2:eu-west-1:123456789012:instance/i-web1', 'Amazon Elastic Compute Cloud', 12],
    ['AmazonRDS', 'arn:aws:rds:eu-west-1:123456789012:db:main', 'Amazon Relational Database Service', 8],
    ['AmazonS3', 'vigil-backups', 'Amazon Simple Storage Service', 3],
    ['AmazonCloudWatch', '', 'AmazonCloudWatch', 1.5],
    ['AWSDataTransfer', '', 'AWS Data Transfer', 0.5],
  ];
  let id = 0;
  for (let t = Date.UTC(2026, 10, 1); t < Date.UTC(2026, 11, 21); t += day) {
    const nov = t < Date.UTC(2026, 11, 1);
    for (const [code, res, name, cost] of items) {
      const c = nov ? (cost * 38) / 40 : cost;
      rows.push(
        `${++id},${ymd(t)}T00:00:00Z,Usage,${ymd(t)}T00:00:00Z,${ymd(t + day)}T00:00:00Z,${code},${res},${c.toFixed(6)},USD,"${name}"`,
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

describe('billing exports', () => {
  it('GCP billing export (BigQuery columns) and the console cost table', () => {
    const bq = parseBilling(
      `billing_account_id,service.id,service.description,sku.id,sku.description,usage_start_time,usage_end_time,project.id,project.name,resource.name,resource.global_name,cost,currency,currency_conversion_rate,usage.amount,usage.unit,invoice.month,cost_type
01A2B3-C4D5E6-F7G8H9,6F81-5844-456A,Compute Engine,2E27-4F75-95CD,N1 Predefined Instance Core,2026-12-01 00:00:00 UTC,2026-12-01 01:00:00 UTC,shop-prod,shop,projects/shop-prod/zones/europe-west1-b/instances/db-2,//compute.googleapis.com/projects/shop-prod/zones/europe-west1-b/instances/123,1.234,EUR,1,3600,seconds,202612,regular
`,
      'gcp.csv',
    );
    expect(bq).toMatchObject({
      format: 'gcp',
      lines: [
        {
          cost: 1.234,
          service: 'Compute Engine',
          resource: 'db-2',
          currency: 'EUR',
          at: Date.UTC(2026, 11, 1),
        },
      ],
    });
    const table = parseBilling(
      `Billing account name,Billing account ID,Project name,Project ID,Project hierarchy,Service description,Service ID,SKU description,SKU ID,Credit type,Cost type,Usage start date,Usage end date,Usage amount,Usage unit,Unrounded Cost ($),Cost ($)
My account,01A2B3-C4D5E6-F7G8H9,shop,shop-prod,/org/,Cloud Storage,95FF-2EF5-5EA1,Standard Storage,E5F0-6A5D-7BAD,,Usage,2026-12-02,2026-12-02,10,gibibyte month,0.2049,0.2
`,
      'table.csv',
    );
    expect(table).toMatchObject({
      format: 'gcp-cost-table',
      lines: [{ cost: 0.2049, service: 'Cloud Storage', resource: 'shop-prod' }],
    });
  });

  it('Azure cost export (actual cost) with its US dates', () => {
    const az = parseBilling(
      `InvoiceSectionName,AccountName,AccountOwnerId,SubscriptionId,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName,MeterCategory,MeterSubCategory,MeterId,MeterName,MeterRegion,UnitOfMeasure,Quantity,EffectivePrice,CostInBillingCurrency,CostCenter,ConsumedService,ResourceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,ResourceName,ReservationId,ReservationName,UnitPrice,ProductOrderId,ProductOrderName,Term,PublisherType,PublisherName,ChargeType,Frequency,PricingModel,AvailabilityZone,BillingAccountId,BillingAccountName,BillingCurrencyCode,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,BillingProfileName,InvoiceSectionId,IsAzureCreditEligible,PartNumber,PayGPrice,PlanName,ServiceFamily,CostAllocationRuleName
Shop,Shop,ops@example.com,sub-1,Prod,rg-db,westeurope,12/03/2026,Virtual Machines Dsv5 Series,Virtual Machines,Dsv5 Series,m1,D4s v5,EU West,1 Hour,24,0.2,4.8,,Microsoft.Compute,/subscriptions/sub-1/resourceGroups/rg-db/providers/Microsoft.Compute/virtualMachines/db-2,,MS-AZR-0017P,,,,db-2,,,0.2,,,,Microsoft,Microsoft,Usage,UsageBased,OnDemand,,ba-1,Shop,USD,12/01/2026,12/31/2026,bp-1,Shop,is-1,True,p1,0.2,,Compute,
`,
      'azure.csv',
    );
    expect(az).toMatchObject({
      format: 'azure',
      lines: [
        {
          cost: 4.8,
          service: 'Virtual Machines',
          resource: 'db-2',
          currency: 'USD',
          at: Date.UTC(2026, 11, 3),
        },
      ],
    });
  });

  it('unknown columns and bad amounts are errors that say what was expected', () => {
    expect(parseBilling('date,amount\n2026-12-01,3\n', 'x.csv').error).toBe(
      'unknown columns (date, amount): not an AWS CUR, GCP billing or Azure cost export',
    );
    expect(
      parseBilling(
        'lineItem/UsageStartDate,lineItem/UnblendedCost,product/ProductName\nyesterday,3,EC2\n',
        'x.csv',
      ).error,
    ).toBe('row 2: "yesterday" / "3" is not a date and an amount');
  });
});

describe('the costs step', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-costs-'));
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    mkdirSync(path.join(dir, 'billing'));
    writeFileSync(path.join(dir, 'billing', 'cur-2026-12.csv'), awsCur());
    // db-2 idles at 2–4% CPU for a week; web-1 works; db-2's data disk is 12% full
    const results = [];
    for (let t = now - 7 * day, i = 0; t < now; t += 3_600_000, i++)
      results.push(
        {
          check: 'db-2',
          kind: 'host',
          status: 'ok' as const,
          message: 'ok',
          startedAt: t,
          durationMs: 1,
          samples: [
            { name: 'cpu_usage', labels: { check: 'db-2' }, value: 0.02 + (i % 3) * 0.01 },
            { name: 'disk_usage', labels: { check: 'db-2', mount: '/data' }, value: 0.12 },
          ],
        },
        {
          check: 'web-1',
          kind: 'host',
          status: 'ok' as const,
          message: 'ok',
          startedAt: t,
          durationMs: 1,
          samples: [
            { name: 'cpu_usage', labels: { check: 'web-1' }, value: 0.3 + (i % 5) * 0.1 },
            { name: 'disk_usage', labels: { check: 'web-1', mount: '/' }, value: 0.6 },
          ],
        },
      );
    await store.record(results);
    // daily backups for 6 days under a rule that keeps the last 2 days'
    for (let d = 1; d <= 6; d++)
      await store.backups.record({
        id: `db-${d}`,
        job: 'db',
        source: 'sqlite',
        status: 'ok',
        startedAt: now - d * day,
        endedAt: now - d * day + 60_000,
        size: 512 * 1024 ** 2,
        sha256: 'abc',
        location: `db-${d}.gz`,
        manifest: {},
        error: null,
      });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const report = async (steps: string, at = now) => {
    const yaml = `backups:
  repository: ${JSON.stringify(path.join(dir, 'repo'))}
  jobs:
    - { name: db, sqlite: { path: ./db.sqlite }, cron: "0 2 * * *", keep: { daily: 2 } }
routines:
  - name: weekly
    cron: "0 9 * * 1"
    steps:
${steps}
`;
    writeFileSync(path.join(dir, 'vigil.yaml'), yaml);
    const l = parseConfig(yaml, path.join(dir, 'vigil.yaml'), {});
    const r = await runRoutine({ store, loaded: l }, l.config.routines[0]!, { now: at });
    return (await reportOf(store, r.run.id, at)).steps[0]!;
  };

  it('month to date, the fitted forecast, the change on last month, the top five and the opportunities', async () => {
    const s = await report('      - costs: { exports: billing }');
    expect(`${s.title}: ${s.summary}`).toBe(
      'Costs: $800 this month, forecast $1,240 (+9% on last month); db-2 idle (p95 CPU 4%), db-2 /data 12% full and 1 more',
    );
    expect(s.status).toBe('attention');
    expect(s.findings.map((f) => `${f.status} ${f.text}`)).toEqual([
      'ok 1. Amazon Elastic Compute Cloud i-db2: $300',
      'ok 2. Amazon Elastic Compute Cloud i-web1: $240',
      'ok 3. Amazon Relational Database Service main: $160',
      'ok 4. Amazon Simple Storage Service vigil-backups: $60',
      'ok 5. AmazonCloudWatch: $30',
      'attention db-2 idle (p95 CPU 4%)',
      'attention db-2 /data 12% full',
      'attention backups of db: 4 kept beyond its retention rules (2.0 GiB)',
    ]);
    expect(s.state).toMatchObject({ currency: 'USD' });
    expect((s.state as { lastMonth: number }).lastMonth).toBeCloseTo(1140, 6);
    expect((s.state as { forecast: number }).forecast).toBeCloseTo(1240, 6);
  });

  it("Vigil's own observation: hosts by size and the backup repository, priced per month", async () => {
    const s = await report(
      `      - costs:
          hosts: [{ check: db-2, cores: 4, memory: 16GiB, disk: 200GiB }]
          prices: { cpu_core: 20, memory_gib: 4, disk_gib: 0.1, backup_gib: 1 }
          idle_cpu: 0.01
          low_disk: 0.05`,
      now + 1000,
    );
    // 80 + 64 + 20 = $164 a month for db-2, $3 for 3 GiB of backups; 19.33 of 31 days gone
    expect(s.summary).toBe(
      '$104 this month, forecast $167; backups of db: 4 kept beyond its retention rules (2.0 GiB)',
    );
    expect(s.findings.slice(0, 2).map((f) => f.text)).toEqual(['1. db-2: $102', '2. backups: $2']);
  });

  it('an export with unknown columns fails the step and names the file', async () => {
    writeFileSync(path.join(dir, 'billing', 'zz-other.csv'), 'date,amount\n2026-12-01,3\n');
    const s = await report('      - costs: { exports: billing }', now + 2000);
    expect(s.status).toBe('failed');
    expect(s.summary).toBe(
      '$800 this month, forecast $1,240 (+9% on last month); 1 billing export not read: zz-other.csv: unknown columns (date, amount): not an AWS CUR, GCP billing or Azure cost export',
    );
    rmSync(path.join(dir, 'billing', 'zz-other.csv'));
  });
});
