import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config/errors";
import { PROJECT, SECRET_KEYS, parseStackConfig } from "../../config/stack";

const HOST_KEY = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${"B".repeat(43)}`;
const VALID: Record<string, unknown> = {
  imageRepository: "daniel-g-carrasco/margine-image",
  siteRepository: "daniel-g-carrasco/margine-os-1084ca72",
  pipelineRepository: "daniel-g-carrasco/margine-pipeline",
  image: "ghcr.io/daniel-g-carrasco/margine",
  zone: "the-empty.place",
  siteHost: "margine.the-empty.place",
  filesHost: "files.the-empty.place",
  edge: { sshUser: "margine-admin" },
  edgeHostKey: HOST_KEY,
  release: {
    stable: {
      digest: `sha256:${"c".repeat(64)}`,
      evidence: { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/123", bootedAt: "2026-11-20T09:41:00Z" },
    },
    isos: [{ date: "20261120", identifier: "margine-20261120", files: [{ name: "margine.iso", sha256: "d".repeat(64), md5: "e".repeat(32), size: 10 }] }],
  },
};

/** A stand-in with pulumi.Config's reading methods over a plain object. */
function configOf(values: Record<string, unknown>) {
  return {
    get: (k: string) => values[k] as string | undefined,
    getObject: <T>(k: string) => values[k] as T | undefined,
    requireSecret: (k: string) => pulumi.secret(String(values[k] ?? `unset-${k}`)),
  } as unknown as pulumi.Config;
}

function withRelease(change: (r: any) => void): Record<string, unknown> {
  const release = structuredClone(VALID.release) as any;
  change(release);
  return { ...VALID, release };
}

describe("config/stack", () => {
  it("reads a valid config into typed values, secrets as secret outputs", async () => {
    const cfg = parseStackConfig(configOf(VALID));
    assert.equal(cfg.image, "ghcr.io/daniel-g-carrasco/margine");
    assert.deepEqual(cfg.edge, { sshHost: "direct.files.the-empty.place", sshPort: 22, sshUser: "margine-admin", hostKey: HOST_KEY, address: undefined });
    assert.equal(cfg.release.stable?.rollback, false);
    assert.equal(cfg.release.isos[0].files[0].size, 10);
    assert.deepEqual(Object.keys(cfg.secrets).sort(), Object.keys(SECRET_KEYS).sort());
    for (const value of Object.values(cfg.secrets)) assert.equal(await pulumi.isSecret(value), true);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["an image with a tag", { ...VALID, image: "ghcr.io/daniel-g-carrasco/margine:latest" }, "image", /HOST\/OWNER\/NAME without tag or digest/],
    ["a repository without owner", { ...VALID, imageRepository: "margine-image" }, "imageRepository", /OWNER\/NAME/],
    ["a missing repository", { ...VALID, siteRepository: undefined }, "siteRepository", /missing value/],
    ["an uppercase host", { ...VALID, filesHost: "Files.the-empty.place" }, "filesHost", /lowercase DNS host name/],
    ["a host outside the zone", { ...VALID, siteHost: "margine.example.org" }, "siteHost", /inside the zone the-empty\.place/],
    ["a bad SSH port", { ...VALID, edge: { sshUser: "margine-admin", sshPort: 70000 } }, "edge.sshPort", /TCP port/],
    ["a bad SSH user", { ...VALID, edge: { sshUser: "Root!" } }, "edge.sshUser", /Linux user name/],
    ["a missing host key", { ...VALID, edgeHostKey: undefined }, "edgeHostKey", /ssh-keyscan/],
    ["a machine-local state backend", { ...VALID, stateBackendUrl: "file://." }, "stateBackendUrl", /shared Pulumi backend URL/],
    ["a non-https deploy hook", { ...VALID, siteDeployHookUrl: "http://example.org/hook" }, "siteDeployHookUrl", /https URL/],
    ["a short digest", withRelease((r) => { r.stable.digest = `sha256:${"c".repeat(63)}`; }), "release.stable.digest", /sha256: followed by 64 lowercase hex/],
    ["a tag instead of a digest", withRelease((r) => { r.stable.digest = "candidate"; }), "release.stable.digest", /sha256:/],
    ["no boot evidence", withRelease((r) => { delete r.stable.evidence; }), "release.stable.evidence", /passing smoke-boot run/],
    ["evidence that is not a run URL", withRelease((r) => { r.stable.evidence.bootRun = "https://example.org/x"; }), "release.stable.evidence.bootRun", /actions\/runs\/N/],
    ["a boot time without zone", withRelease((r) => { r.stable.evidence.bootedAt = "2026-11-20 09:41"; }), "release.stable.evidence.bootedAt", /ISO 8601/],
    ["an impossible ISO date", withRelease((r) => { r.isos[0].date = "20261131"; }), "release.isos[0].date", /real calendar date/],
    ["a bad IA identifier", withRelease((r) => { r.isos[0].identifier = "_margine"; }), "release.isos[0].identifier", /Internet Archive identifier/],
    ["a path as ISO file name", withRelease((r) => { r.isos[0].files[0].name = "bootiso/install.iso"; }), "release.isos[0].files[0].name", /basename/],
    ["a negative size", withRelease((r) => { r.isos[0].files[0].size = -1; }), "release.isos[0].files[0].size", /positive integer/],
    ["two releases on one date", withRelease((r) => { r.isos.push(structuredClone(r.isos[0])); }), "release.isos[1].date", /one ISO release per date/],
  ];
  for (const [what, values, key, expected] of bad) {
    it(`rejects ${what} with one line naming ${key}`, () => {
      assert.throws(() => parseStackConfig(configOf(values)), (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.key, `${PROJECT}:${key}`);
        assert.match(err.message, expected);
        assert.ok(err.message.startsWith(`config ${PROJECT}:${key}: `), err.message);
        assert.ok(!err.message.includes("\n"), "one line");
        return true;
      });
    });
  }
});
