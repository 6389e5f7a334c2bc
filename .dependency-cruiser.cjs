/**
 * The import rules ARCHITECTURE.md states, checked on every `npm test`: a wrong import fails
 * the suite instead of waiting for a review. Each rule's comment is the reason.
 */
const layer = (name) => `^src/${name}/`;

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'core/ is pure logic tested on a fake clock: it imports no other layer and no I/O.',
      severity: 'error',
      from: { path: layer('core') },
      to: {
        pathNot: [layer('core')],
        dependencyTypesNot: ['npm', 'type-only'],
      },
    },
    {
      name: 'core-does-no-io',
      comment: 'core/ reads no files, sockets or processes.',
      severity: 'error',
      from: { path: layer('core') },
      to: { path: '^(fs|node:fs|net|node:net|http|node:http|https|node:https|child_process|node:child_process)' },
    },
    {
      name: 'checks-return-facts',
      comment: 'A check kind returns facts: the runner records, rules decide, the outbox pages.',
      severity: 'error',
      from: { path: layer('checks') },
      to: { path: [layer('store'), layer('server'), layer('notify'), layer('services'), layer('alerting')] },
    },
    {
      name: 'store-knows-no-transport',
      comment: 'store/ knows no transport and no decisions.',
      severity: 'error',
      from: { path: layer('store') },
      to: { path: [layer('server'), layer('alerting'), layer('cli'), layer('services'), layer('notify')], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'metrics-knows-no-alerts',
      comment: 'metrics/ answers queries and knows nothing of alerts or notifications.',
      severity: 'error',
      from: { path: layer('metrics') },
      to: { path: [layer('alerting'), layer('notify'), layer('services'), layer('server'), layer('cli')] },
    },
    {
      name: 'notify-takes-events',
      comment: 'notify/ takes alert events, not the rule engine, and is not orchestration.',
      severity: 'error',
      from: { path: layer('notify') },
      to: { path: [layer('alerting'), layer('services'), layer('server'), layer('cli')] },
    },
    {
      name: 'scheduler-runs-jobs-only',
      comment: 'scheduler/ runs whatever jobs it is given; it knows no service, transport or store.',
      severity: 'error',
      from: { path: layer('scheduler') },
      to: { path: [layer('services'), layer('server'), layer('cli'), layer('store'), layer('checks')] },
    },
    {
      name: 'domain-not-orchestration',
      comment: 'Only the faces (server, cli) and the composition root use services/: domain modules never do.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(services|server|cli)/', '^src/daemon\\.ts$'] },
      to: { path: layer('services') },
    },
    {
      name: 'two-faces',
      comment: 'server/ and cli/ are two faces over the same services: neither imports the other.',
      severity: 'error',
      from: { path: layer('server') },
      to: { path: layer('cli') },
    },
    {
      name: 'two-faces-back',
      comment: 'server/ and cli/ are two faces over the same services: neither imports the other.',
      severity: 'error',
      from: { path: layer('cli') },
      to: { path: layer('server') },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: 'cli/ is a leaf: only bin/ starts it.',
      severity: 'error',
      from: { path: '^src/', pathNot: layer('cli') },
      to: { path: layer('cli') },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|web|test|bench)/' },
  },
};
