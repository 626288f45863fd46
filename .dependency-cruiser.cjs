/**
 * The house rules: which file may import which, checked by dependency-cruiser
 * on every `npm test` (`npm run check` runs `npm run deps`). Each rule's
 * `comment` is the sentence the README's Layout section states, word for
 * word (test/house/layout.test.ts compares them).
 *
 * Type-only imports count: the cruise reads the TypeScript source before
 * compilation (`tsPreCompilationDeps`), so `import type` is an arrow too,
 * and the one upward arrow `src/` has is allowed by name below.
 */

/**
 * `src/`, bottom layer first. A file imports from `src/` only files of the
 * layers below its own (never a file beside it); `stores/` sits above them
 * all and has rules of its own.
 */
const SRC_LAYERS = [
  ['util.ts'],
  ['session.ts'],
  ['options.ts'],
  ['validate-options.ts', 'live-options.ts', 'hardening.ts', 'signed-cookie.ts'],
  ['trace.ts'],
  ['context.ts'],
  ['index.ts'],
];

const literal = (file) => file.replace(/[.]/g, '\\.');
const anyOf = (files) => `^src/(${files.map(literal).join('|')})$`;
const list = (files) => files.join(', ');

/** Files exempt from a rule until the move that makes it hold has landed. */
const PENDING = {
  // The cluster demo still borrows the Redis Cluster script and client from
  // test/ until it moves to playground/cluster/ (house issue, item 4).
  playgroundNotTest: '^playground/cluster\\.ts$',
};

const LAYERS_SENTENCE =
  'src/ is built in layers, and a file imports from src/ only files of the layers below its own, type-only imports included: ' +
  SRC_LAYERS.map((files, i) => `${i + 1} ${list(files)}`).join(' · ') +
  '.';

const layerRules = SRC_LAYERS.map((files, level) => {
  const allowed = SRC_LAYERS.slice(0, level).flat();
  // A Session calls back into the ContextSession that owns it, so it names
  // that type, exactly as koa-session's own session.ts does.
  if (files[0] === 'session.ts') allowed.push('context.ts');
  return {
    name: `src-layer-${level + 1}`,
    comment: LAYERS_SENTENCE,
    severity: 'error',
    from: { path: anyOf(files) },
    to: { path: '^src/', pathNot: allowed.length ? anyOf(allowed) : undefined },
  };
});

const PAGE = '^playground/lab/(client(\\.ts$|/)|shared/)';

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'src-one-arrow-up',
      comment:
        'The one arrow up: src/session.ts imports the type ContextSession from src/context.ts (import type, as koa-session does), never a value.',
      severity: 'error',
      from: { path: '^src/session\\.ts$' },
      to: { path: '^src/context\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-stays-in-src',
      comment: 'src/ imports nothing from playground/, test/ or docs/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(playground|test|docs)/' },
    },
    {
      name: 'stores-contract-and-entry-only',
      comment:
        'A store (src/stores/*.ts) imports from src/ only src/stores/contract.ts and the public entry src/index.ts, never another store.',
      severity: 'error',
      from: { path: '^src/stores/', pathNot: '^src/stores/index\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(index|stores/contract)\\.ts$' },
    },
    {
      name: 'playground-public-entry-only',
      comment:
        "playground/ imports from src/ only the public entries, src/index.ts and src/stores/index.ts (what a user gets from 'koa-session-annotated' and 'koa-session-annotated/stores').",
      severity: 'error',
      from: { path: '^playground/' },
      to: { path: '^src/', pathNot: '^src/(index|stores/index)\\.ts$' },
    },
    {
      name: 'playground-not-test',
      comment:
        'playground/ never imports test/: tests may import the playground, never the other way round.',
      severity: 'error',
      from: { path: '^playground/', pathNot: PENDING.playgroundNotTest },
      to: { path: '^test/' },
    },
    {
      name: 'lab-page-no-server-code',
      comment:
        'The lab page (playground/lab/client.ts, playground/lab/client/) and the lab modules it shares with the server (playground/lab/shared/) import nothing else from playground/, not even types: no server code reaches the browser.',
      severity: 'error',
      from: { path: PAGE },
      to: { path: '^playground/', pathNot: PAGE },
    },
    {
      name: 'lab-page-no-node',
      comment:
        'The lab page and the shared lab modules import no Node built-in, and only types from src/.',
      severity: 'error',
      from: { path: PAGE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'lab-page-src-types-only',
      comment:
        'The lab page and the shared lab modules import no Node built-in, and only types from src/.',
      severity: 'error',
      from: { path: PAGE },
      to: { path: '^src/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'imports-resolve',
      comment:
        'Every import in src/, playground/ and test/ resolves, so no arrow escapes the rules above.',
      severity: 'error',
      from: { path: '^(src|playground|test)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve `exports` of npm packages as Node does (ESM first).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
