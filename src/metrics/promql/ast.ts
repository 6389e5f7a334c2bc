import type { Matcher } from '../types.js';

/** The four PromQL value types, named as Prometheus documents them. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Character offsets into the expression the caller passed (end exclusive). */
export interface Position {
  from: number;
  to: number;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values'
  | 'group'
  | 'limitk'
  | 'limit_ratio';

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** true for `on(...)`, false for `ignoring(...)` or no clause */
  on: boolean;
  labels: string[];
  /** the labels of `group_left(...)` / `group_right(...)` */
  include: string[];
}

/** `@ <seconds>`, `@ start()` or `@ end()`. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface NumberLiteral {
  kind: 'number';
  value: number;
  pos: Position;
}

export interface StringLiteral {
  kind: 'string';
  value: string;
  pos: Position;
}

export interface VectorSelector {
  kind: 'vectorSelector';
  name?: string;
  /** includes the `__name__` matcher when the name was written outside the braces */
  matchers: Matcher[];
  offsetMs: number;
  at?: AtModifier;
  pos: Position;
}

export interface MatrixSelector {
  kind: 'matrixSelector';
  selector: VectorSelector;
  rangeMs: number;
  pos: Position;
}

export interface SubqueryExpr {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  /** 0 when omitted (`[5m:]`): the evaluator's default subquery step applies */
  stepMs: number;
  offsetMs: number;
  at?: AtModifier;
  pos: Position;
}

export interface ParenExpr {
  kind: 'paren';
  expr: Expr;
  pos: Position;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '+' | '-';
  expr: Expr;
  pos: Position;
}

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** null unless both sides are instant vectors */
  matching: VectorMatching | null;
  pos: Position;
  /** where the operator itself is written, for error messages */
  opPos: Position;
}

export interface Call {
  kind: 'call';
  func: string;
  args: Expr[];
  pos: Position;
}

export interface AggregateExpr {
  kind: 'aggregate';
  op: AggregateOp;
  param?: Expr;
  expr: Expr;
  grouping: string[];
  without: boolean;
  pos: Position;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | ParenExpr
  | UnaryExpr
  | BinaryExpr
  | Call
  | AggregateExpr;

export const isComparison = (op: BinaryOp): op is ComparisonOp =>
  op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';

export const isSetOp = (op: BinaryOp): op is SetOp => op === 'and' || op === 'or' || op === 'unless';

/** Strips redundant parentheses, as Prometheus does before looking at a node's shape. */
export function unwrapParens(e: Expr): Expr {
  let cur = e;
  while (cur.kind === 'paren') cur = cur.expr;
  return cur;
}

/** Visits every node depth-first, parents before children. */
export function walk(e: Expr, visit: (node: Expr, parents: readonly Expr[]) => void): void {
  const parents: Expr[] = [];
  const go = (n: Expr): void => {
    visit(n, parents);
    parents.push(n);
    for (const c of children(n)) go(c);
    parents.pop();
  };
  go(e);
}

export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'matrixSelector':
      return [e.selector];
    case 'subquery':
    case 'paren':
    case 'unary':
      return [e.expr];
    case 'binary':
      return [e.lhs, e.rhs];
    case 'call':
      return e.args;
    case 'aggregate':
      return e.param ? [e.param, e.expr] : [e.expr];
    default:
      return [];
  }
}
