import type { AuditResult, Vulnerability } from './scan.js';
import { displayId } from './scan.js';
import type { Severity } from './severity.js';

const level: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  unknown: 'warning',
};

/** GitHub code scanning ranks security results by this property, a CVSS-like score as text. */
const securitySeverity: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
  unknown: '5.0',
};

/**
 * The scan as SARIF 2.1.0 (OASIS), the form GitHub code scanning uploads: one rule per
 * advisory, one result per affected package in a lockfile, located at the lockfile.
 */
export function toSarif(r: AuditResult, version: string): object {
  const rules: Vulnerability[] = [];
  const index = new Map<string, number>();
  for (const v of r.findings)
    if (!index.has(v.id)) {
      index.set(v.id, rules.length);
      rules.push(v);
    }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Vigil',
            version,
            informationUri: 'https://osv.dev',
            rules: rules.map((v) => ({
              id: v.id,
              name: displayId(v),
              shortDescription: { text: `${displayId(v)}: ${v.summary || v.package}`.slice(0, 1000) },
              ...(v.url ? { helpUri: v.url } : {}),
              help: { text: `${v.summary}\nAliases: ${[v.id, ...v.aliases].join(', ')}` },
              defaultConfiguration: { level: level[v.severity] },
              properties: {
                tags: ['security', 'vulnerability', v.ecosystem],
                'security-severity':
                  v.score !== undefined ? v.score.toFixed(1) : securitySeverity[v.severity],
              },
            })),
          },
        },
        results: r.findings.map((v) => ({
          ruleId: v.id,
          ruleIndex: index.get(v.id),
          level: level[v.severity],
          message: {
            text: `${v.package} ${v.version} is affected by ${displayId(v)} (${v.severity})${v.fixed ? `; upgrade to ${v.fixed}` : '; no fixed version yet'}`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: v.file.split('\\').join('/') },
                region: { startLine: 1 },
              },
            },
          ],
          partialFingerprints: { 'vigil/v1': `${v.id}:${v.ecosystem}/${v.package}:${v.file}` },
        })),
        invocations: [
          {
            executionSuccessful: r.errors.length === 0,
            toolExecutionNotifications: r.errors.map((text) => ({ level: 'error', message: { text } })),
          },
        ],
      },
    ],
  };
}
