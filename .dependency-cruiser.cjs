/**
 * The layering of src/, checked by `npm run lint` (docs/ARCHITECTURE.md explains it). Layers run
 * from the top (the CLI) down; a module may import only from layers below its own, never from a
 * higher layer or from another folder of its own layer, and there are no cycles.
 */
const LAYERS = [
  ['cli'],
  ['daemon'],
  ['api/server', 'api/http', 'metrics'],
  ['builder'],
  ['cache', 'decide', 'publisher', 'witness-server'],
  ['follower'],
  ['policy'],
  ['api'],
  ['verify', 'store'],
  ['tiles', 'witness'],
  ['log', 'map', 'checkpoint', 'nix', 'config', 'r13y'],
  ['vote', 'collections', 'entry', 'crypto'],
  ['errors'],
];

/** The path pattern of a folder of src/ (api/server and api/http, the gRPC and HTTP servers, are a layer above the rest of api/). */
function folder(name) {
  if (name === 'errors') return '^src/errors\\.ts$';
  if (name === 'api') return '^src/api/(?!server/|http/)';
  return `^src/${name}/`;
}

const layerRules = LAYERS.flatMap((layer, i) =>
  layer.flatMap((name) => {
    const notBelow = [...LAYERS.slice(0, i).flat(), ...layer.filter((other) => other !== name)];
    if (notBelow.length === 0) return [];
    return [
      {
        name: `layer-${name.replace('/', '-')}`,
        comment: `${name}/ may import only from layers below it (not ${notBelow.join(', ')})`,
        severity: 'error',
        from: { path: folder(name) },
        to: { path: notBelow.map(folder) },
      },
    ];
  }),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'modules import each other in a circle (a circle closed only by a type import is allowed: ' +
        'config/schema.ts infers the type config/cross-references.ts checks)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'daemon-only-from-cli',
      comment: 'daemon/ wires the components; only cli/ starts it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|daemon)/' },
      to: { path: '^src/daemon/' },
    },
    {
      name: 'src-not-from-outside',
      comment: 'src/ never imports tests or benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'layers-cover-src',
      comment: 'every folder of src/ has a place in LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.flat().map(folder) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/api/gen/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
