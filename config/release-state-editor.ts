// Edits the release state in a stack file (Pulumi.release.yaml) the way a person would: only the
// changed values move, every comment, key order and quoting style stays, so a release pull request's
// diff is the release and nothing else (docs/release-flow.md). Pure text -> text over the
// `yaml` package's Document API; scripts/release-state.ts is the CLI around it.
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { ConfigError } from "./errors";
import { IsoRelease, parseReleaseState, ReleaseState, StableRelease } from "./release-state";

export const RELEASE_KEY = "margine-pipeline:release";
// lineWidth 0: never fold long values (digests, URLs, host keys) onto a second line.
const RENDER = { lineWidth: 0 } as const;

/** An edit that cannot be made as asked; `exitCode` 2 for bad requests, 1 for an unusable file. */
export class ReleaseEditError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = "ReleaseEditError";
  }
}

export interface ReleaseEdit {
  readonly text: string;
  readonly changed: boolean;
  /** One line for the workflow log and the release PR title. */
  readonly summary: string;
}

/**
 * Declares `stable` as the promoted digest with its boot evidence. Moving stable to an earlier boot
 * must be an explicit rollback, and `rollback` is refused when the boot is not earlier: a rollback PR
 * has to say what it is (handbook 11.5 rolls back by moving the pointer, never by rebuilding).
 */
export function setStableRelease(text: string, stable: StableRelease, file: string): ReleaseEdit {
  const { doc, release, state } = openReleaseState(text, file);
  validated({ ...state, stable }, file);
  const current = state.stable;
  if (current) {
    const earlier = Date.parse(stable.evidence.bootedAt) < Date.parse(current.evidence.bootedAt);
    if (earlier && !stable.rollback) {
      throw new ReleaseEditError(
        `${file}: stable is ${current.digest} booted ${current.evidence.bootedAt}; ${stable.digest} booted earlier ` +
          `(${stable.evidence.bootedAt}), so moving stable to it is a rollback: pass --rollback`,
      );
    }
    if (!earlier && stable.rollback && current.digest !== stable.digest) {
      throw new ReleaseEditError(
        `${file}: --rollback moves stable to an earlier boot, but ${stable.digest} booted ${stable.evidence.bootedAt}, ` +
          `not before the current ${current.digest} (${current.evidence.bootedAt}); drop --rollback for a forward promotion`,
      );
    }
    if (sameStable(current, stable)) return { text, changed: false, summary: `stable already ${stable.digest}` };
  } else if (stable.rollback) {
    throw new ReleaseEditError(`${file}: --rollback needs a current stable release to roll back from; none is declared`);
  }

  const found: unknown = release.get("stable", true);
  let stableMap: YAMLMap;
  if (isMap(found)) {
    stableMap = found;
  } else {
    // First promotion: `stable` goes before `isos`, as in Pulumi.example.yaml.
    stableMap = new YAMLMap();
    release.items.unshift(doc.createPair("stable", stableMap));
  }
  setScalar(stableMap, "digest", stable.digest);
  const evidence = childMap(stableMap, "evidence");
  setScalar(evidence, "bootRun", stable.evidence.bootRun);
  setScalar(evidence, "bootedAt", stable.evidence.bootedAt, Scalar.QUOTE_DOUBLE);
  setScalar(stableMap, "rollback", stable.rollback);
  const from = current ? `${current.digest} -> ` : "";
  return rendered(doc, file, `${stable.rollback ? "rollback" : "promote"} stable ${from}${stable.digest}`);
}

/** Adds one ISO release; the same entry again is a no-op, another entry for the same date an error. */
export function addIsoRelease(text: string, iso: IsoRelease, file: string): ReleaseEdit {
  const { doc, release, state } = openReleaseState(text, file);
  const existing = state.isos.find((i) => i.date === iso.date);
  if (existing) {
    if (JSON.stringify(existing) === JSON.stringify(iso)) return { text, changed: false, summary: `ISO release ${iso.date} already declared` };
    throw new ReleaseEditError(`${file}: an ISO release for ${iso.date} is already declared (${existing.identifier}) with other files; one release per date`);
  }
  validated({ ...state, isos: [...state.isos, iso] }, file);
  const found: unknown = release.get("isos", true);
  let seq: YAMLSeq;
  if (isSeq(found)) {
    seq = found;
  } else {
    seq = new YAMLSeq();
    release.set("isos", seq);
  }
  seq.flow = false; // `isos: []` in a fresh prod file becomes a block list
  const entry = doc.createNode({ date: iso.date, identifier: iso.identifier, files: iso.files.map((f) => ({ ...f })) }) as YAMLMap;
  (entry.get("date", true) as Scalar).type = Scalar.QUOTE_DOUBLE;
  seq.add(entry);
  return rendered(doc, file, `add ISO release ${iso.date} (${iso.identifier})`);
}

function openReleaseState(text: string, file: string): { doc: Document; release: YAMLMap; state: ReleaseState } {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ReleaseEditError(yamlErrorText(doc.errors, file, text), 1);
  if (doc.toString(RENDER) !== text) {
    // Refuse rather than rewrite: a release PR that reformats the stack file hides the release.
    throw new ReleaseEditError(`${file}: its layout does not survive a YAML round trip, so an edit would reformat it; edit the release by hand`, 1);
  }
  const config: unknown = doc.get("config", true);
  if (!isMap(config)) throw new ReleaseEditError(`${file}: no top-level \`config:\` mapping; is this a Pulumi stack file?`, 1);
  const state = validated(doc.toJS()?.config?.[RELEASE_KEY], file);
  return { doc, release: childMap(config, RELEASE_KEY), state };
}

/**
 * One line for a YAML syntax error: the file, the lines involved and what is wrong there. The
 * parser reports where it noticed the problem, which can be the line before the faulty one (an
 * over-indented key shows on the line above), so the message names the whole range and quotes it.
 */
export function yamlErrorText(
  errors: readonly { message: string; linePos?: [{ line: number; col: number }] | [{ line: number; col: number }, { line: number; col: number }] }[],
  file: string,
  text: string,
): string {
  const lines = errors.flatMap((e) => (e.linePos ?? []).map((p) => p.line));
  const from = lines.length > 0 ? Math.min(...lines) : undefined;
  const to = lines.length > 0 ? Math.max(...lines) : undefined;
  const what = errors[0].message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  if (from === undefined || to === undefined) return `${file}: not valid YAML: ${what}`;
  const source = text
    .split(/\r?\n/)
    .slice(from - 1, to)
    .map((l) => JSON.stringify(l))
    .join(", ");
  return `${file}:${from}: not valid YAML ${from === to ? `at line ${from}` : `at lines ${from}-${to}`} (${source}): ${what}`;
}

function validated(raw: unknown, file: string): ReleaseState {
  try {
    return parseReleaseState(raw, RELEASE_KEY);
  } catch (err) {
    if (err instanceof ConfigError) throw new ReleaseEditError(`${file}: ${err.message}`);
    throw err;
  }
}

function rendered(doc: Document, file: string, summary: string): ReleaseEdit {
  const text = doc.toString(RENDER);
  validated(parseDocument(text).toJS()?.config?.[RELEASE_KEY], file);
  return { text, changed: true, summary };
}

/** The mapping under `key`, created (at the end) when absent or empty. */
function childMap(map: YAMLMap, key: string): YAMLMap {
  const node: unknown = map.get(key, true);
  if (isMap(node)) return node;
  const created = new YAMLMap();
  map.set(key, created);
  return created;
}

/**
 * Changes a value in place, keeping the node's comments and quoting; creates it when absent.
 * `type` is enforced even on an existing node: an unquoted time is read by Pulumi's (Go) YAML
 * parser as a timestamp and handed to the program as "2026-11-22 09:00:00 +0000 UTC".
 */
function setScalar(map: YAMLMap, key: string, value: string | boolean, type?: Scalar.Type): void {
  const node: unknown = map.get(key, true);
  if (isScalar(node)) {
    node.value = value;
    if (type) node.type = type;
    return;
  }
  const scalar = new Scalar(value);
  if (type) scalar.type = type;
  map.set(key, scalar);
}

function sameStable(a: StableRelease, b: StableRelease): boolean {
  return a.digest === b.digest && a.rollback === b.rollback && a.evidence.bootRun === b.evidence.bootRun && a.evidence.bootedAt === b.evidence.bootedAt;
}
