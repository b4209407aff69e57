import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { compareEvr, type Evr, formatEvr, type Ordering, parseEvr, rpmvercmp } from "../../grammar/rpm-version";
import { requireTool, runTool } from "../../fixtures/system-tool";
import { type Case, EDGES, RPM_SUITE, RPM_SUITE_ODDITIES, TABLE } from "./rpmvercmp-cases";

const negate = (o: Ordering): Ordering => (o === 0 ? 0 : o === 1 ? -1 : 1);

function assertCases(cases: readonly Case[]): void {
  for (const [a, b, want] of cases) {
    assert.equal(rpmvercmp(a, b), want, `rpmvercmp(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    assert.equal(rpmvercmp(b, a), negate(want), `rpmvercmp(${JSON.stringify(b)}, ${JSON.stringify(a)}) (swapped)`);
  }
}

// mulberry32: a tiny seeded generator, so the generated pairs are the same on every run and a
// disagreement with rpm can be reproduced.
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Tokens weighted towards what decides rpm's order: numbers with leading zeros and long digit runs,
// letters of both cases, every separator kind (including a non-ASCII one), and ~ and ^. Never `-` or
// `:`, which rpm.vercmp() would take as release and epoch delimiters.
function versionGenerator(random: () => number): { version: () => string; mutate: (v: string) => string } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const number = (): string => {
    if (random() < 0.05) return String(1 + Math.floor(random() * 9)) + Array.from({ length: 19 }, () => pick([..."0123456789"])).join("");
    return (random() < 0.25 ? pick(["0", "00"]) : "") + String(Math.floor(random() * (random() < 0.5 ? 10 : 1000)));
  };
  const letters = (): string => pick(["a", "b", "z", "rc", "git", "pre", "fc", "el", "p", "A", "Z", "RC", "aa"]);
  const separator = (): string => pick([".", ".", ".", "_", "+", "~", "~", "^", "^", "..", "α"]);
  const token = (): string => {
    const k = random();
    return k < 0.45 ? number() : k < 0.7 ? letters() : separator();
  };
  const version = (): string => Array.from({ length: 1 + Math.floor(random() * 6) }, token).join("");
  const mutate = (v: string): string => {
    const at = Math.floor(random() * (v.length + 1));
    const k = random();
    let out: string;
    if (k < 0.25) out = v.slice(0, at) + token() + v.slice(at);
    else if (k < 0.45) out = v.slice(0, at) + v.slice(at + 1);
    else if (k < 0.65) out = v.slice(0, at) + token() + v.slice(at + 1);
    else if (k < 0.9) out = v + pick(["~rc1", "~", "^", "^git1", ".0", ".1", "a", "0", "_1", "+x", "~pre^1"]);
    else out = v.replace(/[0-9]+/, (digits) => `0${digits}`);
    return out === "" ? "0" : out;
  };
  return { version, mutate };
}

function generatedPairs(count: number, seed: number): [string, string][] {
  const random = seeded(seed);
  const { version, mutate } = versionGenerator(random);
  return Array.from({ length: count }, () => {
    const a = version();
    // Mostly near-misses of `a`, so comparisons get past the first segment.
    return [a, random() < 0.7 ? mutate(a) : version()];
  });
}

// A Lua string literal for any text: every UTF-8 byte as a \ddd escape, so no quoting can go wrong.
function luaString(text: string): string {
  return `"${[...Buffer.from(text, "utf8")].map((byte) => `\\${String(byte).padStart(3, "0")}`).join("")}"`;
}

/**
 * rpm's answer for every pair, from ONE rpm process: the pairs go into a Lua file that
 * `rpm --eval '%{lua: dofile(…)}'` runs, and rpm.vercmp()'s answers come back one per line.
 */
function rpmVercmp(rpm: string, pairs: readonly (readonly [string, string])[]): Ordering[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rpm-vercmp-"));
  try {
    const script = path.join(dir, "pairs.lua");
    // The path is written into a macro and a Lua string literal as it is.
    assert.match(script, /^[\w/.-]+$/);
    const rows = pairs.map(([a, b]) => `  {${luaString(a)}, ${luaString(b)}},`).join("\n");
    // Inside a macro, rpm's print() appends to the expansion with no newline or tab between calls or
    // arguments (rpm_print() in rpmio/rpmlua.c), so the results are joined here and printed once.
    const lua = [
      `local cases = {\n${rows}\n}`,
      "local out = {}",
      "for i, c in ipairs(cases) do out[i] = tostring(rpm.vercmp(c[1], c[2])) end",
      'print(table.concat(out, "\\n"))',
    ];
    fs.writeFileSync(script, `${lua.join("\n")}\n`);
    const lines = runTool(rpm, ["--eval", `%{lua: dofile("${script}")}`])
      .split("\n")
      .filter((line) => line !== "");
    assert.equal(lines.length, pairs.length, `rpm printed ${lines.length} results for ${pairs.length} pairs`);
    return lines.map((line) => {
      assert.match(line, /^-?[0-9]+$/, `rpm printed ${JSON.stringify(line)}`);
      // rpm prints -1/0/1 today; only the sign is rpm's contract.
      const sign = Math.sign(Number(line));
      return sign === 0 ? 0 : (sign as Ordering);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function evr(text: string): Evr {
  const parsed = parseEvr(text);
  if ("problem" in parsed) throw new Error(parsed.problem);
  return parsed;
}

describe("grammar/rpm-version", () => {
  it("orders every case of rpm's tests/rpmvercmp.at, both ways round", () => {
    assertCases(RPM_SUITE);
  });

  it("keeps the oddities rpm documents and the corners of the C code", () => {
    assertCases(RPM_SUITE_ODDITIES);
    assertCases(EDGES);
  });

  it("agrees with the real rpm on the table and on generated pairs, in one rpm run", () => {
    const rpm = requireTool("rpm", "rpm");
    // rpm.vercmp() (since rpm 4.16) parses each side as [EPOCH:]VERSION[-RELEASE] and rejects an empty
    // one; for texts without `-` or `:` that reduces to rpmvercmp() itself.
    const plain = (s: string) => s !== "" && !/[-:]/.test(s);
    const table = TABLE.filter(([a, b]) => plain(a) && plain(b)).map(([a, b]): [string, string] => [a, b]);
    const generated = generatedPairs(1000, 0x5eed);
    assert.ok(
      generated.every(([a, b]) => plain(a) && plain(b)),
      "a generated version has a - or : that rpm.vercmp() would split on",
    );
    const versions = [...table, ...generated];

    // Whole EVRs, all with a release: there rpmverCmp() and compareEvr() must agree.
    const random = seeded(0xe7a);
    const { version, mutate } = versionGenerator(random);
    const evrs: [Evr, Evr][] = Array.from({ length: 300 }, () => {
      const a: Evr = { epoch: Math.floor(random() * 3), version: version(), release: version() };
      const b: Evr = {
        epoch: random() < 0.8 ? a.epoch : Math.floor(random() * 3),
        version: random() < 0.6 ? a.version : mutate(a.version),
        release: mutate(a.release ?? "1"),
      };
      return [a, b];
    });

    const swapped = (pairs: readonly (readonly [string, string])[]) => pairs.flatMap(([a, b]) => [[a, b] as const, [b, a] as const]);
    const versionPairs = swapped(versions);
    const evrPairs = swapped(evrs.map(([a, b]) => [formatEvr(a), formatEvr(b)] as const));
    // Where compareEvr() deliberately differs from rpmverCmp(): a missing release.
    const missingRelease = [["1.0", "1.0-1"] as const];
    const started = Date.now();
    const answers = rpmVercmp(rpm, [...versionPairs, ...evrPairs, ...missingRelease]);
    const elapsed = Date.now() - started;

    const disagreements: string[] = [];
    versionPairs.forEach(([a, b], i) => {
      if (rpmvercmp(a, b) !== answers[i])
        disagreements.push(`rpmvercmp(${JSON.stringify(a)}, ${JSON.stringify(b)}): ours ${rpmvercmp(a, b)}, rpm ${answers[i]}`);
    });
    evrPairs.forEach(([a, b], i) => {
      const ours = compareEvr(evr(a), evr(b));
      const theirs = answers[versionPairs.length + i];
      if (ours !== theirs) disagreements.push(`compareEvr(${JSON.stringify(a)}, ${JSON.stringify(b)}): ours ${ours}, rpm ${theirs}`);
    });
    assert.deepEqual(disagreements.slice(0, 20), [], `${disagreements.length} disagreements with rpm`);
    assert.ok(versionPairs.length >= 1000, `${versionPairs.length} version comparisons`);

    // rpmverCmp() puts 1.0 before 1.0-1; compareEvr() follows rpm's dependency matching instead.
    assert.equal(answers[answers.length - 1], -1);
    assert.equal(compareEvr(evr("1.0"), evr("1.0-1")), 0);
    assert.ok(elapsed < 5000, `one rpm run took ${elapsed} ms`);
  });

  it("compares epoch first, then version, then release only when both have one", () => {
    assert.equal(compareEvr(evr("1:1.0-1"), evr("0:2.0-1")), 1);
    assert.equal(compareEvr(evr("1:1.0-1"), evr("2.0-1")), 1);
    assert.equal(compareEvr(evr("2.0-1"), evr("1:1.0-1")), -1);
    assert.equal(compareEvr(evr("10:1.0"), evr("9:9.0")), 1); // numerically, not as text
    assert.equal(compareEvr(evr("0:1.0-1"), evr("1.0-1")), 0);
    assert.equal(compareEvr(evr("(none):1.0-1"), evr("1.0-1")), 0);
    assert.equal(compareEvr(evr("1.0-1"), evr("1.0-2")), -1);
    assert.equal(compareEvr(evr("1.0-10.fc41"), evr("1.0-9.fc41")), 1);
    assert.equal(compareEvr(evr("1.0~rc1-5"), evr("1.0-1")), -1); // the version decides before the release
    // A missing release matches any release, on either side, but never hides a version difference.
    assert.equal(compareEvr(evr("1.0"), evr("1.0-7")), 0);
    assert.equal(compareEvr(evr("1.0-7"), evr("1.0")), 0);
    assert.equal(compareEvr({ epoch: 0, version: "1.0", release: "" }, evr("1.0-7")), 0);
    assert.equal(compareEvr(evr("1.0"), evr("1.1-1")), -1);
    assert.equal(compareEvr(evr("1:1.0"), evr("1.1-1")), 1);
  });

  it("parses the forms rpm prints", () => {
    assert.deepEqual(parseEvr("1:2.3-4.fc41"), { epoch: 1, version: "2.3", release: "4.fc41" });
    assert.deepEqual(parseEvr("2.3-4.fc41"), { epoch: 0, version: "2.3", release: "4.fc41" });
    assert.deepEqual(parseEvr("2.3"), { epoch: 0, version: "2.3" });
    assert.deepEqual(parseEvr("0:2.3"), { epoch: 0, version: "2.3" });
    assert.deepEqual(parseEvr("(none):2.3-1"), { epoch: 0, version: "2.3", release: "1" });
    assert.deepEqual(parseEvr("1.0~rc1^git2-0.1"), { epoch: 0, version: "1.0~rc1^git2", release: "0.1" });
    // The release starts after the last `-`, as in rpm's parseEVR().
    assert.deepEqual(parseEvr("1.0-2-3"), { epoch: 0, version: "1.0-2", release: "3" });
  });

  it("names the expected form when the text is not an EVR", () => {
    const cases: [text: string, why: RegExp][] = [
      ["", /empty/],
      ["x:1.0-1", /epoch "x" is not a number/],
      ["-1:1.0", /epoch "-1" is not a number/],
      [":1.0", /epoch "" is not a number/],
      ["4294967296:1.0", /32-bit/],
      ["1:", /version is empty/],
      ["1:-3", /version is empty/],
      ["-3", /version is empty/],
      ["1.0-", /release after '-' is empty/],
      ["1.0 -1", /whitespace/],
      [" 1.0", /whitespace/],
      ["1.0\n", /whitespace/],
      ["1:2:3", /only the epoch/],
    ];
    for (const [text, why] of cases) {
      const parsed = parseEvr(text);
      assert.ok("problem" in parsed, `${JSON.stringify(text)} parsed as ${JSON.stringify(parsed)}`);
      assert.match(parsed.problem, why);
      assert.ok(parsed.problem.startsWith(`${JSON.stringify(text)} is not an rpm version of the form [EPOCH:]VERSION[-RELEASE]: `), parsed.problem);
    }
  });

  it("formats EVRs the way rpm prints them, and round-trips", () => {
    assert.equal(formatEvr({ epoch: 0, version: "2.3", release: "4.fc41" }), "2.3-4.fc41");
    assert.equal(formatEvr({ epoch: 3, version: "2.3" }), "3:2.3");
    assert.equal(formatEvr({ epoch: 0, version: "2.3" }), "2.3");
    for (const text of ["1:2.3-4.fc41", "2.3-4.fc41", "2.3", "1.0~rc1^git2-0.1", "1.0-2-3", "4294967295:1-1"]) {
      assert.equal(formatEvr(evr(text)), text);
    }
    // The non-canonical spellings of epoch 0 come back without it.
    assert.equal(formatEvr(evr("0:2.3-1")), "2.3-1");
    assert.equal(formatEvr(evr("(none):2.3-1")), "2.3-1");
    const e = evr("7:1.2-3");
    assert.deepEqual(evr(formatEvr(e)), e);
  });
});
