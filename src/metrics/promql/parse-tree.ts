import type { SyntaxNode } from '@lezer/common';
import type { AggregateOp, BinaryOp, Expr, VectorMatching } from './ast.js';
import { unsupported } from './errors.js';
import { parseNumberOrDuration } from './lexical.js';
import {
  applyAt,
  applyOffset,
  atModifier,
  durationSeconds,
  parseError,
  rangeMs,
  type Source,
  stringValue,
  vectorSelector,
} from './parse-selectors.js';

/**
 * Turns lezer's concrete syntax tree into our AST. Syntax errors are found
 * before this runs; what is left here are Prometheus's structural rules that
 * the (more permissive) lezer grammar does not encode.
 */

const binaryOps: Record<string, BinaryOp> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const aggregateOps: Record<string, AggregateOp> = {
  Sum: 'sum',
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Count: 'count',
  Stddev: 'stddev',
  Stdvar: 'stdvar',
  Topk: 'topk',
  Bottomk: 'bottomk',
  Quantile: 'quantile',
  CountValues: 'count_values',
  Group: 'group',
  LimitK: 'limitk',
  LimitRatio: 'limit_ratio',
};

const withParam = new Set<AggregateOp>([
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);

export class TreeReader {
  constructor(
    private readonly src: Source,
    /** offsets where a percent literal (`80%`) starts, see preprocess.ts */
    private readonly percentStarts: ReadonlySet<number>,
  ) {}

  expr(n: SyntaxNode): Expr {
    const src = this.src;
    switch (n.name) {
      case 'NumberDurationLiteral':
        return this.number(n);
      case 'StringLiteral':
        return { kind: 'string', value: stringValue(src, n), pos: src.pos(n) };
      case 'VectorSelector':
        return vectorSelector(src, n);
      case 'ParenExpr':
        return { kind: 'paren', expr: this.expr(n.firstChild!), pos: src.pos(n) };
      case 'UnaryExpr':
        return this.unary(n);
      case 'BinaryExpr':
        return this.binary(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'MatrixSelector':
        return this.matrix(n);
      case 'SubqueryExpr':
        return this.subquery(n);
      case 'OffsetExpr': {
        const ms = Math.round(durationSeconds(src, n.getChild('OffsetDurationExpr')!) * 1000);
        return postfix(this.expr(n.firstChild!), (t) => applyOffset(t, ms, src.pos(n)));
      }
      case 'StepInvariantExpr': {
        const at = atModifier(src, n.getChild('At')!.nextSibling!);
        return postfix(this.expr(n.firstChild!), (t) => applyAt(t, at, src.pos(n)));
      }
      case 'AnchoredExpr':
        throw unsupported('anchored modifier', src.pos(n));
      case 'SmoothedExpr':
        throw unsupported('smoothed modifier', src.pos(n));
      default:
        throw parseError(`unexpected ${n.name}`, src.pos(n));
    }
  }

  private number(n: SyntaxNode): Expr {
    const raw = this.src.slice(n);
    // Lezer lets whitespace and comments sit between a sign and its number.
    const text = raw.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
    let value = parseNumberOrDuration(text);
    if (value === undefined) throw parseError(`error parsing number: ${raw}`, this.src.pos(n));
    const digits = n.from + raw.search(/[^\s+-]/);
    if (this.percentStarts.has(digits)) value /= 100;
    return { kind: 'number', value, pos: this.src.pos(n) };
  }

  private unary(n: SyntaxNode): Expr {
    const op = this.src.slice(n.firstChild!) === '-' ? '-' : '+';
    const inner = this.expr(n.firstChild!.nextSibling!);
    const pos = this.src.pos(n);
    // Prometheus folds a sign into a number literal rather than keeping a unary node.
    if (inner.kind === 'number')
      return { kind: 'number', value: op === '-' ? -inner.value : inner.value, pos };
    return { kind: 'unary', op, expr: inner, pos };
  }

  private binary(n: SyntaxNode): Expr {
    const src = this.src;
    const lhsNode = n.firstChild!;
    const opNode = lhsNode.nextSibling!;
    const op = binaryOps[opNode.name];
    if (op === undefined) throw unsupported(`binary operator ${src.slice(opNode)}`, src.pos(opNode));
    let returnBool = false;
    let matching: VectorMatching | null = null;
    let c = opNode.nextSibling!;
    for (
      ;
      c.name === 'BoolModifier' || c.name === 'MatchingModifierClause' || c.name === 'FillModifier';
      c = c.nextSibling!
    ) {
      if (c.name === 'BoolModifier') returnBool = true;
      else if (c.name === 'FillModifier') throw unsupported('fill modifier', src.pos(c));
      else matching = this.matching(c);
    }
    const pos = src.pos(n);
    const opPos = src.pos(opNode);
    const rhs = this.expr(c);
    const lhsText = src.slice(lhsNode);
    // Prometheus reads `-1^2` as -(1^2); lezer binds the sign to the literal.
    if (op === '^' && lhsNode.name === 'NumberDurationLiteral' && /^[+-]/.test(lhsText)) {
      const base = this.number(lhsNode);
      if (base.kind !== 'number') throw parseError('expected a number', src.pos(lhsNode));
      const abs = { ...base, value: Math.abs(base.value), pos: { from: lhsNode.from + 1, to: lhsNode.to } };
      const pow: Expr = { kind: 'binary', op, lhs: abs, rhs, returnBool, matching, pos, opPos };
      return lhsText.startsWith('-') ? { kind: 'unary', op: '-', expr: pow, pos } : pow;
    }
    return { kind: 'binary', op, lhs: this.expr(lhsNode), rhs, returnBool, matching, pos, opPos };
  }

  private matching(n: SyntaxNode): VectorMatching {
    const m: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let afterGroup = false;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'On') m.on = true;
      else if (c.name === 'GroupLeft') {
        m.card = 'many-to-one';
        afterGroup = true;
      } else if (c.name === 'GroupRight') {
        m.card = 'one-to-many';
        afterGroup = true;
      } else if (c.name === 'GroupingLabels') {
        if (afterGroup) m.include = this.groupingLabels(c);
        else m.labels = this.groupingLabels(c);
      }
    }
    return m;
  }

  private groupingLabels(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) {
      out.push(c.name === 'LabelName' ? this.src.slice(c) : stringValue(this.src, c.firstChild!));
    }
    return out;
  }

  private args(body: SyntaxNode): Expr[] {
    const out: Expr[] = [];
    for (let c = body.firstChild; c; c = c.nextSibling) out.push(this.expr(c));
    return out;
  }

  private call(n: SyntaxNode): Expr {
    const func = this.src.slice(n.getChild('FunctionIdentifier')!);
    const args = this.args(n.getChild('FunctionCallBody')!);
    return { kind: 'call', func, args, pos: this.src.pos(n) };
  }

  private aggregate(n: SyntaxNode): Expr {
    const opNode = n.getChild('AggregateOp')!;
    const op = aggregateOps[opNode.firstChild!.name]!;
    const args = this.args(n.getChild('FunctionCallBody')!);
    const modifier = n.getChild('AggregateModifier');
    const pos = this.src.pos(n);
    const without = modifier?.firstChild?.name === 'Without';
    const grouping = modifier ? this.groupingLabels(modifier.getChild('GroupingLabels')!) : [];
    if (args.length === 0) throw parseError('no arguments for aggregate expression provided', pos);
    const want = withParam.has(op) ? 2 : 1;
    if (args.length !== want) {
      throw parseError(
        `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
        pos,
      );
    }
    const expr = args[want - 1]!;
    return {
      kind: 'aggregate',
      op,
      ...(want === 2 ? { param: args[0]! } : {}),
      expr,
      grouping,
      without,
      pos,
    };
  }

  private matrix(n: SyntaxNode): Expr {
    const dur = n.getChild('DurationExpr')!;
    const range = rangeMs(this.src, dur);
    const bracket = { from: dur.from - 1, to: n.to };
    return postfix(this.expr(n.firstChild!), (inner) => {
      if (inner.kind !== 'vectorSelector')
        throw parseError('ranges only allowed for vector selectors', bracket);
      if (inner.offsetMs !== 0) throw parseError('no offset modifiers allowed before range', bracket);
      if (inner.at) throw parseError('no @ modifiers allowed before range', bracket);
      return {
        kind: 'matrixSelector',
        selector: inner,
        rangeMs: range,
        pos: { from: inner.pos.from, to: n.to },
      };
    });
  }

  private subquery(n: SyntaxNode): Expr {
    const durs = n.getChildren('DurationExpr');
    const range = rangeMs(this.src, durs[0]!);
    const stepMs = durs[1] ? rangeMs(this.src, durs[1]) : 0;
    return postfix(this.expr(n.firstChild!), (expr) => ({
      kind: 'subquery',
      expr,
      rangeMs: range,
      stepMs,
      offsetMs: 0,
      pos: { from: expr.pos.from, to: n.to },
    }));
  }
}

/**
 * Lezer gives `[range]`, `[range:step]`, `offset` and `@` the lowest
 * precedence, so `a + b offset 5m` arrives as `(a + b) offset 5m`. In
 * Prometheus they bind tightest, to the operand just before them: re-attach
 * them to the rightmost operand of an unparenthesised binary or unary
 * expression.
 */
function postfix(target: Expr, apply: (e: Expr) => Expr): Expr {
  if (target.kind === 'binary') {
    const rhs = postfix(target.rhs, apply);
    return { ...target, rhs, pos: { from: target.pos.from, to: rhs.pos.to } };
  }
  if (target.kind === 'unary') {
    const expr = postfix(target.expr, apply);
    return { ...target, expr, pos: { from: target.pos.from, to: expr.pos.to } };
  }
  return apply(target);
}
