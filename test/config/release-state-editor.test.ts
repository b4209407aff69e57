import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { addIsoRelease, ReleaseEditError, setStableRelease } from "../../config/release-state-editor";
import { IsoRelease, parseReleaseState, StableRelease } from "../../config/release-state";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const releaseOf = (text: string) => parseReleaseState(parse(text).config["margine-pipeline:release"], "release");

const NEW_DIGEST = `sha256:${"ab".repeat(32)}`;
const NEW_STABLE: StableRelease = {
  digest: NEW_DIGEST,
  evidence: { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/19000000777", bootedAt: "2026-11-27T08:00:00Z" },
  rollback: false,
};
const NEW_ISO: IsoRelease = {
  date: "20261127",
  identifier: "margine-20261127",
  files: [{ name: "margine-20261127.iso", sha256: "cd".repeat(32), md5: "ef".repeat(16), size: 6_500_000_000 }],
};

/** Lines of `after` that differ from `before`, for files whose line count did not change. */
function changedLines(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  assert.equal(b.length, a.length, "an in-place edit keeps the line count");
  return b.filter((line, i) => line !== a[i]);
}

describe("config/release-state-editor", () => {
  describe("on the real Pulumi.release.yaml (no release declared yet)", () => {
    const prod = read("Pulumi.release.yaml");

    it("the first promotion adds only the stable block, before isos, keeping every comment", () => {
      const edit = setStableRelease(prod, NEW_STABLE, "Pulumi.release.yaml");
      const block = [
        "    stable:",
        `      digest: ${NEW_DIGEST}`,
        "      evidence:",
        `        bootRun: ${NEW_STABLE.evidence.bootRun}`,
        '        bootedAt: "2026-11-27T08:00:00Z"',
        "      rollback: false",
        "",
      ].join("\n");
      assert.equal(edit.text, prod.replace("    isos: []\n", `${block}    isos: []\n`));
      assert.deepEqual(releaseOf(edit.text).stable, NEW_STABLE);
      assert.equal(edit.summary, `promote stable ${NEW_DIGEST}`);
    });

    it("the first ISO release turns `isos: []` into a block list and changes nothing else", () => {
      const edit = addIsoRelease(prod, NEW_ISO, "Pulumi.release.yaml");
      const block = [
        "    isos:",
        '      - date: "20261127"',
        "        identifier: margine-20261127",
        "        files:",
        "          - name: margine-20261127.iso",
        `            sha256: ${"cd".repeat(32)}`,
        `            md5: ${"ef".repeat(16)}`,
        "            size: 6500000000",
        "",
      ].join("\n");
      assert.equal(edit.text, prod.replace("    isos: []\n", block));
      assert.deepEqual(releaseOf(edit.text).isos, [NEW_ISO]);
    });
  });

  describe("on the real Pulumi.example-release.yaml (a declared release)", () => {
    const example = read("Pulumi.example-release.yaml");
    const current = releaseOf(example).stable!;

    it("a promotion changes exactly the digest and evidence values, byte for byte elsewhere", () => {
      const edit = setStableRelease(example, NEW_STABLE, "Pulumi.example-release.yaml");
      assert.deepEqual(changedLines(example, edit.text), [
        `      digest: ${NEW_DIGEST}`,
        `        bootRun: ${NEW_STABLE.evidence.bootRun}`,
        '        bootedAt: "2026-11-27T08:00:00Z"',
      ]);
      assert.equal(edit.summary, `promote stable ${current.digest} -> ${NEW_DIGEST}`);
    });

    it("a rollback to an earlier boot must say so, and then changes the values and the flag", () => {
      const older: StableRelease = { ...NEW_STABLE, evidence: { ...NEW_STABLE.evidence, bootedAt: "2026-11-13T08:00:00Z" } };
      assert.throws(
        () => setStableRelease(example, older, "Pulumi.example-release.yaml"),
        (err: ReleaseEditError) => {
          assert.equal(err.exitCode, 2);
          assert.match(err.message, /booted earlier \(2026-11-13T08:00:00Z\), so moving stable to it is a rollback: pass --rollback/);
          return true;
        },
      );
      const edit = setStableRelease(example, { ...older, rollback: true }, "Pulumi.example-release.yaml");
      assert.deepEqual(changedLines(example, edit.text).at(-1), "      rollback: true");
      assert.match(edit.summary, /^rollback stable /);
    });

    it("refuses --rollback for a boot that is not earlier", () => {
      assert.throws(
        () => setStableRelease(example, { ...NEW_STABLE, rollback: true }, "Pulumi.example-release.yaml"),
        /drop --rollback for a forward promotion/,
      );
    });

    it("the same promotion again changes nothing", () => {
      const edit = setStableRelease(example, current, "Pulumi.example-release.yaml");
      assert.equal(edit.changed, false);
      assert.equal(edit.text, example);
    });

    it("appends a newer ISO release after the existing one", () => {
      const edit = addIsoRelease(example, NEW_ISO, "Pulumi.example-release.yaml");
      assert.ok(edit.text.startsWith(example), "only lines appended at the end of the isos list");
      assert.deepEqual(
        releaseOf(edit.text).isos.map((i) => i.date),
        ["20261120", "20261127"],
      );
    });

    it("the same ISO release again is a no-op; another one for the same date is refused", () => {
      const declared = releaseOf(example).isos[0];
      assert.equal(addIsoRelease(example, declared, "Pulumi.example-release.yaml").changed, false);
      assert.throws(
        () => addIsoRelease(example, { ...declared, identifier: "margine-20261120-b" }, "Pulumi.example-release.yaml"),
        /already declared \(margine-20261120\) with other files; one release per date/,
      );
    });
  });

  it("rejects a malformed value before editing, naming the key and the expected form", () => {
    assert.throws(
      () => setStableRelease(read("Pulumi.release.yaml"), { ...NEW_STABLE, digest: "sha256:XYZ" }, "Pulumi.release.yaml"),
      /Pulumi\.release\.yaml: config margine-pipeline:release\.stable\.digest: "sha256:XYZ" is not valid; expected sha256: followed by 64 lowercase hex/,
    );
  });

  it("refuses to edit a file whose layout would not survive (rather than reformat it)", () => {
    const odd = "config:\n  margine-pipeline:release:   { isos: [] }\n";
    assert.throws(
      () => addIsoRelease(odd, NEW_ISO, "odd.yaml"),
      (err: ReleaseEditError) => err.exitCode === 1 && /does not survive a YAML round trip/.test(err.message),
    );
  });

  it("--rollback with no stable declared has nothing to roll back from", () => {
    assert.throws(
      () => setStableRelease(read("Pulumi.release.yaml"), { ...NEW_STABLE, rollback: true }, "Pulumi.release.yaml"),
      /needs a current stable release/,
    );
  });

  it("a YAML error names the file and the lines involved, quoting them", () => {
    // The over-indented key is on line 3; the parser notices it on line 2.
    const broken = "config:\n  a: 1\n   b: 2\n  c: 3\n";
    assert.throws(
      () => addIsoRelease(broken, NEW_ISO, "Pulumi.prod.yaml"),
      (err: ReleaseEditError) => {
        assert.equal(err.exitCode, 1);
        assert.match(
          err.message,
          /^Pulumi\.prod\.yaml:2: not valid YAML at lines 2-3 \(" {2}a: 1", " {3}b: 2"\): Nested mappings are not allowed in compact mappings$/,
        );
        return true;
      },
    );
  });

  it("parses only known keys, naming the nearest one for a typo", () => {
    const release = (stable: Record<string, unknown>) => ({
      stable: {
        digest: `sha256:${"1f".repeat(32)}`,
        evidence: { bootRun: "https://github.com/o/r/actions/runs/1", bootedAt: "2026-11-20T10:00:00Z" },
        ...stable,
      },
    });
    assert.throws(
      () => parseReleaseState(release({ rolback: true }), "release"),
      /^Error: config release\.stable: unknown key `rolback`; did you mean `rollback`\?|config release\.stable: unknown key `rolback`; did you mean `rollback`\?/,
    );
    assert.throws(() => parseReleaseState({ ...release({}), isso: [] }, "release"), /config release: unknown key `isso`; did you mean `isos`\?/);
    assert.throws(() => parseReleaseState({ ...release({}), extra: 1 }, "release"), /config release: unknown key `extra` \(known keys: stable, isos\)/);
  });
});
