// The signature gate in the generated workflows: build.yml signs in the format clients verify, with the
// pinned cosign; smoke-boot verifies the pinned digest's signature before it boots.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { COSIGN_VERSION, cosignMajor, LEGACY_SIGNATURE_FLAGS, signFormatProblem } from "../../../components/workflows/cosign";
import { parsed, step } from "./generated";

const signLine = (): string => {
  const lines = step(parsed("build.yml").jobs.sign, "Sign the pushed digest")
    .run!.split("\n")
    .filter((l) => /^\s*cosign sign\b/.test(l));
  assert.equal(lines.length, 1);
  return lines[0];
};

describe("signature gate in the generated workflows", () => {
  it("build.yml and smoke-boot.yml install the same pinned cosign release, never the installer's default", () => {
    const installs = [step(parsed("build.yml").jobs.sign, /^Install cosign/), step(parsed("smoke-boot.yml").jobs.boot, /^Install cosign/)];
    for (const install of installs) {
      assert.match(install.uses!, /^sigstore\/cosign-installer@[0-9a-f]{40}$/);
      assert.equal(install.with?.["cosign-release"], COSIGN_VERSION);
    }
    assert.match(COSIGN_VERSION, /^v\d+\.\d+\.\d+$/);
  });

  it("the pinned cosign writes the .sig tag format containers/image verifies: v3 or later needs the legacy-format flags", () => {
    const pinned = String(step(parsed("build.yml").jobs.sign, /^Install cosign/).with?.["cosign-release"]);
    const line = signLine();
    assert.equal(signFormatProblem(pinned, line), undefined, `build.yml signs with cosign ${pinned}: ${line}`);
    if (cosignMajor(pinned) >= 3) for (const flag of LEGACY_SIGNATURE_FLAGS) assert.ok(line.includes(flag), `${line} lacks ${flag}`);
  });

  it("the check bites: a v3 pin with today's sign line is refused, with the flags it is accepted", () => {
    const v2Line = 'cosign sign --yes --key env://COSIGN_PRIVATE_KEY "${IMAGE}@${DIGEST}"';
    assert.equal(signFormatProblem("v2.6.1", v2Line), undefined);
    assert.match(signFormatProblem("v3.0.2", v2Line)!, /cosign v3\.0\.2 writes Sigstore bundles.*lacks --new-bundle-format=false --use-signing-config=false/);
    assert.match(signFormatProblem("v3.0.2", v2Line.replace("--yes", "--yes --new-bundle-format=false"))!, /lacks --use-signing-config=false$/);
    assert.equal(signFormatProblem("v3.0.2", v2Line.replace("--yes", `--yes ${LEGACY_SIGNATURE_FLAGS.join(" ")}`)), undefined);
  });

  it("smoke-boot verifies the pinned digest with cosign.pub after resolving it and before booting it", () => {
    const boot = parsed("smoke-boot.yml").jobs.boot;
    const names = boot.steps.map((s) => s.name);
    const verifyAt = names.indexOf("Verify the pinned digest's signature");
    assert.ok(names.indexOf("Resolve image ref to digest") < verifyAt && verifyAt < names.indexOf("Boot the pinned digest in QEMU"), names.join(" | "));
    assert.ok(names.findIndex((n) => /^Install cosign/.test(n)) < verifyAt);
    const verify = boot.steps[verifyAt];
    assert.equal(verify.env?.PINNED, "${{ steps.resolve.outputs.pinned }}");
    assert.match(verify.run!, /cosign verify --key cosign\.pub "\$PINNED"/);
    assert.match(verify.run!, /exit 1/);
    assert.equal(verify["continue-on-error" as never], undefined);
  });

  it("scripts/install-peers.sh builds the test peer from the same cosign release", () => {
    const script = fs.readFileSync(path.join(__dirname, "../../../scripts/install-peers.sh"), "utf8");
    assert.equal(/^COSIGN_VERSION=(\S+)$/m.exec(script)?.[1], COSIGN_VERSION);
  });
});
