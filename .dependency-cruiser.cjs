/**
 * The layers, checked by `npm run lint:layers` (part of `npm run lint` and `npm test`).
 * Type-only imports count (tsPreCompilationDeps): a cycle of types is still a cycle.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "attribution-is-self-contained",
      comment: "lib/attribution is a pure engine (no I/O): it imports only node builtins, npm packages and itself.",
      severity: "error",
      from: { path: "^lib/attribution/" },
      to: { pathNot: ["^lib/attribution/", "^node_modules/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "app-not-to-db",
      comment: "app/ lays out pages and routes; it reaches the database only through lib/ (a test may set one up).",
      severity: "error",
      from: { path: "^app/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^db/" },
    },
    {
      name: "lib-not-to-app-or-scripts",
      comment: "lib/ is used by app/ and scripts/, never the other way round (a test may drive a route).",
      severity: "error",
      from: { path: "^lib/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^(app|scripts)/" },
    },
    {
      name: "wire-is-shared-with-the-browser",
      comment: "lib/wire is imported by client components: zod schemas over npm packages only, nothing of the server.",
      severity: "error",
      from: { path: "^lib/wire/", pathNot: "\\.test\\.tsx?$" },
      to: { pathNot: ["^lib/wire/", "^node_modules/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "publication-serves-datanets-and-models",
      comment: "lib/publication is the flow that datanets, contributions and models declare: it imports none of them.",
      severity: "error",
      from: { path: "^lib/publication/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^lib/(datanets|models)/" },
    },
    {
      name: "no-circular",
      comment: "No import cycles, type-only imports included: a barrel only re-exports, and types live in types.ts.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "^node_modules/" },
    exclude: { path: "(^|/)(node_modules|\\.next|\\.data|\\.ponder)/|^(indexer/generated|test-results|tmp)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
