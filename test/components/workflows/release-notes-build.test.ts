// build.yml's steps whose records the release notes read, run for real in the world of
// release-notes-jobs.test.ts: the package list of the pushed digest, read with the real rpm from a
// real rpm database and attested by the real cosign so the notes verify it, and the base image step,
// which resolves the Containerfile's FROM with the real skopeo against the real registry.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildWorkflow } from "../../../components/workflows/build";
import { PACKAGE_LIST_FILE } from "../../../components/workflows/build-scripts";
import { RegistryClient } from "../../../providers/oci/registry-client";
import { readPackageList } from "../../../providers/oci/package-attestation";
import { LocalRegistry } from "../../../fixtures/servers/registry";
import { requireTool } from "../../../fixtures/system-tool";
import { loopbackRegistryTools, runPeer } from "../../support/peers";
import { ReleaseImageBuilder } from "../../support/release-images";
import { NotesJobsWorld, stepOf } from "../../support/release-notes-jobs-world";

describe("release notes in the release pull request and the preview comment, run for real", function () {
  this.timeout(180_000);
  const world = new NotesJobsWorld();
  const { bash } = world;
  let registry: LocalRegistry;
  let images: ReleaseImageBuilder;
  let root: string;
  let oldDigest: string;

  before(async () => {
    await world.start();
    ({ registry, images, root, oldDigest } = world);
  });
  after(() => world.stop());

  it("build.yml records the pushed digest's package list with the real rpm, and the real cosign attests it so the notes verify it", async () => {
    const rpmbuild = requireTool("rpmbuild", "rpm");
    const rpm = requireTool("rpm", "rpm");
    const work = path.join(root, "rpm");
    fs.mkdirSync(work + "-tmp", { recursive: true });
    // Two real packages in a real rpm database: an epoch and a tilde, and one without epoch.
    const specs = [
      { name: "margine-release", version: "43~rc1", release: "3.fc42", epoch: "2" },
      { name: "margine-tools", version: "1.0", release: "1.fc42" },
    ];
    for (const spec of specs) {
      fs.writeFileSync(
        path.join(work + "-tmp", `${spec.name}.spec`),
        `Name: ${spec.name}\nVersion: ${spec.version}\nRelease: ${spec.release}\n${spec.epoch ? `Epoch: ${spec.epoch}\n` : ""}Summary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n%files\n`,
      );
      execFileSync(rpmbuild, ["-bb", "--quiet", "--define", `_topdir ${work}-top`, path.join(work + "-tmp", `${spec.name}.spec`)], { stdio: "ignore" });
    }
    const db = path.join(work + "-tmp", "rpmdb");
    execFileSync(rpm, ["--dbpath", db, "--initdb"]);
    for (const file of fs.readdirSync(path.join(work + "-top", "RPMS", "noarch")))
      execFileSync(rpm, ["--dbpath", db, "-i", "--justdb", "--nodeps", path.join(work + "-top", "RPMS", "noarch", file)], { stdio: "ignore" });
    // sudo and podman stand for the runner's: `podman run ... --entrypoint rpm IMAGE ARGS` runs rpm ARGS on that database.
    const bin = path.join(work + "-tmp", "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "sudo"), '#!/usr/bin/env bash\nexec "$@"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "podman"), `#!/usr/bin/env bash\nwhile [[ "$1" != "$PINNED" ]]; do shift; done\nshift\nexec ${rpm} --dbpath ${db} "$@"\n`, {
      mode: 0o755,
    });
    fs.mkdirSync(work);
    const script = stepOf(buildWorkflow().jobs.build.steps, "Record the package list of the pushed digest").run!;
    const digest = await images.push({ seed: "rpm", created: "2026-12-06T04:17:00Z", attestWith: "none" });
    const res = await runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd: work,
      env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: work + "-tmp", PINNED: `${images.image}@${digest}` },
    });
    assert.equal(res.code, 0, res.stderr);
    const list = JSON.parse(fs.readFileSync(path.join(work, PACKAGE_LIST_FILE), "utf8"));
    assert.deepEqual(
      [...list.packages].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)),
      [
        { name: "margine-release", evr: "2:43~rc1-3.fc42", arch: "noarch" },
        { name: "margine-tools", evr: "0:1.0-1.fc42", arch: "noarch" },
      ],
    );
    // The sign job's own attest line, with the real cosign; the wrapper adds only what a plain-HTTP
    // loopback registry and an offline machine need (GHCR is https, and the runner reaches Rekor).
    const attest = stepOf(buildWorkflow().jobs.sign.steps, "Attest the package list of the pushed digest");
    fs.mkdirSync(path.join(work, "package-list"));
    fs.copyFileSync(path.join(work, PACKAGE_LIST_FILE), path.join(work, "package-list", PACKAGE_LIST_FILE));
    loopbackRegistryTools(bin, requireTool("skopeo", "skopeo"));
    const attested = await runPeer("bash", ["-euo", "pipefail", "-c", attest.run!], {
      cwd: work,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: path.join(images.work, "home"),
        IMAGE: images.image,
        DIGEST: digest,
        COSIGN_PRIVATE_KEY: fs.readFileSync(path.join(images.work, "cosign.key"), "utf8"),
        COSIGN_PASSWORD: "",
      },
    });
    assert.equal(attested.code, 0, attested.stderr);
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    const reading = await readPackageList(client, {
      image: images.image,
      repository: "margine",
      digest,
      publicKey: fs.readFileSync(images.publicKeyFile("cosign"), "utf8"),
    });
    assert.equal(reading.status, "verified");

    // An image whose rpm database lists nothing fails the step: nothing is attested.
    fs.writeFileSync(path.join(bin, "podman"), "#!/usr/bin/env bash\ntrue\n", { mode: 0o755 });
    const empty = await runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd: work,
      env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: work + "-tmp", PINNED: "x@y" },
    });
    assert.equal(empty.code, 1);
    assert.match(empty.stdout, /::error::rpm -qa in x@y listed no package/);
  });

  it("build.yml's base image step resolves the Containerfile's FROM with the real skopeo and hands the labels to rechunk", async () => {
    const work = path.join(root, "base");
    fs.mkdirSync(work);
    fs.mkdirSync(work + "-tmp");
    // The loopback registry is plain HTTP, where GHCR and quay are https: the real skopeo, told so.
    const bin = path.join(work + "-tmp", "bin");
    fs.mkdirSync(bin);
    const skopeo = requireTool("skopeo", "skopeo");
    loopbackRegistryTools(bin, skopeo);
    const script = stepOf(buildWorkflow().jobs.build.steps, "Base image of the build").run!;
    const output = path.join(work + "-tmp", "output");
    const env = { PATH: `${bin}:${path.join(root, "bin")}:${process.env.PATH}`, GITHUB_OUTPUT: output };
    fs.writeFileSync(path.join(work, "Containerfile"), `ARG X=1\nFROM --platform=linux/amd64 ${images.image}:candidate-job-old AS base\nRUN true\n`);
    const res = await bash(script, work, env);
    assert.equal(res.code, 0, res.stderr + res.stdout);
    assert.equal(
      fs.readFileSync(output, "utf8"),
      `labels<<MARGINE_LABELS\norg.opencontainers.image.base.name=${images.image}:candidate-job-old\norg.opencontainers.image.base.digest=${oldDigest}\nMARGINE_LABELS\n`,
    );
    // A FROM built from an ARG cannot be resolved before the build: a warning, no labels, no failure.
    fs.rmSync(output);
    fs.writeFileSync(path.join(work, "Containerfile"), "ARG BASE=quay.io/fedora/fedora-bootc:42\nFROM ${BASE}\n");
    const unresolved = await bash(script, work, env);
    assert.equal(unresolved.code, 0, unresolved.stderr);
    assert.match(unresolved.stdout, /::warning::Containerfile's FROM \(\$\{BASE\}\) cannot be resolved/);
    assert.equal(fs.existsSync(output), false);
    // A base that does not exist fails the build before anything is built.
    fs.writeFileSync(path.join(work, "Containerfile"), `FROM ${images.image}:no-such-tag\n`);
    const missing = await bash(script, work, env);
    assert.notEqual(missing.code, 0);
  });
});
