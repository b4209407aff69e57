// Layers point one way (docs/architecture.md): a test that fails on any import crossing them.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./support/program-run";

interface Import {
  readonly from: string;
  readonly to: string;
}

/** Every import specifier of every tracked .ts file, by file. */
function specifiers(): { from: string; spec: string }[] {
  const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: PROJECT_DIR, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.startsWith("test/golden/"));
  const out: { from: string; spec: string }[] = [];
  for (const from of files) {
    const text = fs.readFileSync(path.join(PROJECT_DIR, from), "utf8");
    for (const [, spec] of text.matchAll(/(?:^import[^;]*? from |^import |^export[^;]*? from |require\(|import\()\s*"([^"]+)"/gm)) out.push({ from, spec });
  }
  return out;
}

/** Every relative and @pulumi/pulumi import, resolved to a project path. */
function imports(all: { from: string; spec: string }[]): Import[] {
  const out: Import[] = [];
  for (const { from, spec } of all) {
    if (spec === "@pulumi/pulumi" || spec.startsWith("@pulumi/pulumi/")) out.push({ from, to: "@pulumi/pulumi" });
    else if (spec.startsWith(".")) out.push({ from, to: path.relative(PROJECT_DIR, path.resolve(PROJECT_DIR, path.dirname(from), spec)) });
  }
  return out;
}

/** The npm package a bare specifier names (`@scope/name` or `name`); undefined for relative and node: ones. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith(".") || spec.startsWith("node:")) return undefined;
  return spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");
}

const top = (p: string) => p.split("/")[0];

/** Which top-level folders each folder may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  grammar: [],
  config: ["grammar"],
  providers: ["grammar"],
  // The policy pack is published on its own (policy/package.json): it compiles in grammar/ and nothing else.
  policy: ["grammar"],
  // The release notes gather facts through the protocol clients and render them.
  "release-notes": ["grammar", "providers"],
  // The release watch compares the declared release state (config/) with the world, read through the clients.
  watch: ["grammar", "config", "providers"],
  // The platform stack declares the watch's label and the workflow that runs it.
  components: ["grammar", "config", "providers", "watch"],
  stacks: ["grammar", "config", "components", "providers", "watch"],
  "index.ts": ["config", "stacks"],
  scripts: ["grammar", "config", "providers", "release-notes", "watch", "policy", "components"],
  // The stand-ins decode what the clients encode with the same header codec.
  fixtures: ["providers"],
  test: ["grammar", "config", "providers", "release-notes", "watch", "policy", "components", "stacks", "scripts", "fixtures", "index.ts"],
};

describe("layers point one way", () => {
  const specs = specifiers();
  const all = imports(specs);

  it("finds the imports it judges", () => {
    assert.ok(all.length > 300, `${all.length} imports`);
    assert.ok(all.some((i) => i.from === "stacks/platform.ts" && top(i.to) === "components"));
  });

  it("no folder imports a layer above it", () => {
    const crossing = all
      .filter((i) => i.to !== "@pulumi/pulumi" && top(i.to) !== top(i.from))
      .filter((i) => {
        // The benchmarks (dev tools, not shipped) run the tools against the same stand-ins as the tests.
        if (/^scripts\/bench-/.test(i.from) && top(i.to) === "fixtures") return false;
        return !(ALLOWED[top(i.from)] ?? []).includes(top(i.to));
      });
    assert.deepEqual(
      crossing.map((i) => `${i.from} -> ${i.to}`),
      [],
    );
  });

  it("the generic registry client (providers/oci) never reaches into a vendor's (providers/ghcr, which builds on it)", () => {
    const found = all.filter((i) => i.from.startsWith("providers/"));
    assert.ok(found.some((i) => i.from.startsWith("providers/ghcr/") && i.to.startsWith("providers/oci/")));
    assert.deepEqual(
      found.filter((i) => i.from.startsWith("providers/oci/") && i.to.startsWith("providers/ghcr/")).map((i) => `${i.from} -> ${i.to}`),
      [],
    );
  });

  it("the policy pack and the grammar it ships import only packages policy/package.json pins exactly", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policy", "package.json"), "utf8"));
    const packed = specs.filter((i) => top(i.from) === "policy" || top(i.from) === "grammar");
    const packages = new Set(packed.map((i) => packageOf(i.spec)).filter((p): p is string => p !== undefined));
    assert.ok(packages.has("@pulumi/policy"), [...packages].join(", "));
    for (const p of packages) assert.match(manifest.dependencies[p] ?? "missing", /^\d+\.\d+\.\d+$/, `${p} in policy/package.json`);
  });

  it("protocol clients never import @pulumi/pulumi: only the dynamic providers in providers/ do", () => {
    const offenders = all
      .filter((i) => top(i.from) === "providers" && i.to === "@pulumi/pulumi")
      .map((i) => i.from)
      .filter((f) => !/dynamic\.Resource|ResourceProvider/.test(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")));
    assert.deepEqual([...new Set(offenders)], []);
  });

  it("the CLIs never load @pulumi/pulumi (start-up and memory), except synth, which evaluates the program", () => {
    const cli = (f: string) => f.startsWith("scripts/") && !f.startsWith("scripts/offline/") && !f.startsWith("scripts/bench-") && f !== "scripts/synth.ts";
    // Follow imports transitively from each CLI.
    const edges = new Map<string, string[]>();
    for (const i of all) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
    const reaches = (start: string): boolean => {
      const seen = new Set<string>();
      const stack = [start];
      while (stack.length) {
        const f = stack.pop()!;
        for (const to of edges.get(f) ?? []) {
          if (to === "@pulumi/pulumi") return true;
          const file = fs.existsSync(path.join(PROJECT_DIR, `${to}.ts`)) ? `${to}.ts` : `${to}/index.ts`;
          if (!seen.has(file)) {
            seen.add(file);
            stack.push(file);
          }
        }
      }
      return false;
    };
    const clis = [...new Set(all.map((i) => i.from))].filter(cli);
    assert.ok(clis.length >= 6);
    assert.deepEqual(clis.filter(reaches), []);
  });
});
