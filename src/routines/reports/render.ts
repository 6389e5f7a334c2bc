import type { ReportFormat } from '../../config/routines.js';
import type { Report } from '../types.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** The report in one format; JSON is the report object itself, for scripts. */
export function renderReport(r: Report, format: ReportFormat): string {
  if (format === 'html') return renderHtml(r);
  if (format === 'markdown') return renderMarkdown(r);
  return JSON.stringify(r, null, 2);
}
