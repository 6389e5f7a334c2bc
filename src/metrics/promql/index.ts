/**
 * Vigil's PromQL: parsed with the Prometheus project's lezer grammar,
 * evaluated by our own engine with Prometheus 3 semantics over any Queryable.
 * See CONFORMANCE.md for how closely it follows Prometheus's own test suite.
 */
export type { AtModifier, Expr, Position, ValueType, VectorMatching } from './ast.js';
export { PromQLError, type PromQLErrorKind } from './errors.js';
export { checkQueryShape, defaultQueryLimits, type QueryLimits } from './limits.js';
export { MemoryQueryable } from './memory-queryable.js';
export { type ParseOptions, parsePromQL } from './parse.js';
export { instantQuery, type QueryOptions, rangeQuery } from './query.js';
export type { Annotation, Matrix, Sample, Value } from './values.js';
