import type { Annotation } from './values.js';

/** Collects a query's warnings and infos once each, like Prometheus's annotation set. */
export class AnnotationSet {
  private readonly seen = new Map<string, Annotation>();

  warn(text: string): void {
    this.add({ level: 'warning', message: `PromQL warning: ${text}` });
  }

  info(text: string): void {
    this.add({ level: 'info', message: `PromQL info: ${text}` });
  }

  private add(a: Annotation): void {
    if (!this.seen.has(a.message)) this.seen.set(a.message, a);
  }

  list(): Annotation[] {
    return [...this.seen.values()];
  }
}
