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
  toolsRef: "a".repeat(40),
  maintainers: ["daniel-g-carrasco"],
};

/** A stand-in with pulumi.Config's reading methods over a plain object. */
function configOf(values: Record<string, unknown>) {
  return {
    get: (k: string) => values[k] as string | undefined,
    getObject: <T>(k: string) => values[k] as T | undefined,
    requireSecret: (k: string) => pulumi.secret(String(values[k] ?? `unset-${k}`)),
    getSecret: (k: string) => (values[k] === undefined ? undefined : pulumi.secret(String(values[k]))),
  } as unknown as pulumi.Config;
}

const RELEASE = {
  stable: {
    digest: `sha256:${"c".repeat(64)}`,
    evidence: { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/123", bootedAt: "2026-11-20T09:41:00Z" },
  },
  isos: [{ date: "20261120", identifier: "margine-20261120", files: [{ name: "margine.iso", sha256: "d".repeat(64), md5: "e".repeat(32), size: 10 }] }],
};
const releaseOf = (stack: string) => (stack === "release" ? RELEASE : undefined);

describe("config/stack", () => {
  it("reads a valid config into typed values, secrets as secret outputs", async () => {
    const cfg = parseStackConfig(configOf(VALID), releaseOf);
    assert.equal(cfg.releaseStack, "release");
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
    ["a machine-local state backend", { ...VALID, stateBackendUrl: "file://." }, "stateBackendUrl", /shared s3:\/\/ backend with its region/],
    [
      "an s3 backend without its region",
      { ...VALID, stateBackendUrl: "s3://margine-state/margine" },
      "stateBackendUrl",
      /e\.g\. s3:\/\/my-bucket\/margine\?region=/,
    ],
    ["a backend release.yml cannot authenticate to", { ...VALID, stateBackendUrl: "gs://margine-state?region=x" }, "stateBackendUrl", /GitHub OIDC/],
    [
      "release state in the platform stack",
      { ...VALID, release: RELEASE },
      "release",
      /no release state in the platform stack: releases live in the release stack's file/,
    ],
    ["a release stack name that is not a name", { ...VALID, releaseStack: "../prod" }, "releaseStack", /the name of the release stack/],
    ["CLIs at a moving main", { ...VALID, toolsRef: "main" }, "toolsRef", /full commit of this repository/],
    ["no maintainers to review releases", { ...VALID, maintainers: [] }, "maintainers", /non-empty list of GitHub logins/],
    ["a non-https deploy hook", { ...VALID, siteDeployHookUrl: "http://example.org/hook" }, "siteDeployHookUrl", /https URL/],
    [
      "an ntfy server over plain http",
      { ...VALID, watchNtfy: { server: "http://ntfy.sh", topic: "margine" } },
      "watchNtfy",
      /\{server: https:\/\/ntfy\.sh, topic: NAME\}/,
    ],
    ["an ntfy topic ntfy would refuse", { ...VALID, watchNtfy: { server: "https://ntfy.sh", topic: "a/b" } }, "watchNtfy", /1-64 letters, digits, - or _/],
  ];
  for (const [what, values, key, expected] of bad) {
    it(`rejects ${what} with one line naming ${key}`, () => {
      assert.throws(
        () => parseStackConfig(configOf(values), releaseOf),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.equal(err.key, `${PROJECT}:${key}`);
          assert.match(err.message, expected);
          assert.ok(err.message.startsWith(`config ${PROJECT}:${key}: `), err.message);
          assert.ok(!err.message.includes("\n"), "one line");
          return true;
        },
      );
    });
  }

  it("takes the watch's ntfy target when set, and none otherwise", () => {
    assert.equal(parseStackConfig(configOf(VALID), releaseOf).watchNtfy, undefined);
    const target = { server: "https://ntfy.example.org", topic: "margine-release-watch" };
    assert.deepEqual(parseStackConfig(configOf({ ...VALID, watchNtfy: target }), releaseOf).watchNtfy, target);
  });

  it("takes the site bump token when set and goes without it otherwise (the bump is skipped with a warning)", async () => {
    assert.equal(parseStackConfig(configOf(VALID), releaseOf).secrets.siteBumpToken, undefined);
    const withToken = parseStackConfig(configOf({ ...VALID, siteBumpToken: "t" }), releaseOf).secrets.siteBumpToken;
    assert.ok(withToken && (await pulumi.isSecret(withToken)));
  });

  it("reads the release state from the stack its releaseStack names, and reports errors there", () => {
    const cfg = parseStackConfig(configOf({ ...VALID, releaseStack: "example-release" }), (stack) => (stack === "example-release" ? { isos: [] } : RELEASE));
    assert.deepEqual(cfg.release, { stable: undefined, isos: [] });
    assert.throws(
      () => parseStackConfig(configOf(VALID), () => ({ stable: { digest: "candidate" } })),
      /^ConfigError: config Pulumi\.release\.yaml margine-pipeline:release\.stable\.digest: "candidate" is not valid/,
    );
  });
});
