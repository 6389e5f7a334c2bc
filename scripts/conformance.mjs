#!/usr/bin/env node
// Runs Prometheus's promqltest files against Vigil's PromQL evaluator (see CONFORMANCE.md).
// The logic lives in src/metrics/promql/conformance-cli.ts; build first (`npm run build`).
import { main } from '../dist/metrics/promql/conformance-cli.js';

process.exitCode = await main(process.argv.slice(2));
