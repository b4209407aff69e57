import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { ConfigError } from "../../config/errors";
import { ConfigEntry, parseReleaseStackConfig } from "../../config/release-stack";
import { PROJECT } from "../../config/stack";

const RELEASE = {
  stable: {
    digest: `sha256:${"c".repeat(64)}`,
    evidence: { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/123", bootedAt: "2026-11-20T09:41:00Z" },
  },
  isos: [{ date: "20261120", identifier: "margine-20261120", files: [{ name: "margine.iso", sha256: "d".repeat(64), md5: "e".repeat(32), size: 10 }] }],
};
const keyPair = (curve = "prime256v1") => generateKeyPairSync("ec", { namedCurve: curve });
const PUBLIC_KEY = keyPair().publicKey.export({ format: "pem", type: "spki" }).toString();
const VALID: Record<string, unknown> = {
  cosignPublicKey: PUBLIC_KEY,
  stackRole: "release",
  image: "ghcr.io/daniel-g-carrasco/margine",
  siteRepository: "daniel-g-carrasco/margine-os-1084ca72",
  // As the runtime hands it over: objects as JSON text.
  release: JSON.stringify(RELEASE),
};

const entries = (values: Record<string, unknown>, secret: string[] = []): ConfigEntry[] =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, value]) => {
      const key = k.includes(":") ? k : `${PROJECT}:${k}`;
      return { key, value, secret: secret.includes(key) };
    });

function withRelease(change: (r: any) => void): Record<string, unknown> {
  const release = structuredClone(RELEASE) as any;
  change(release);
  return { ...VALID, release: JSON.stringify(release) };
}

describe("config/release-stack", () => {
  it("reads the release state and the names it needs", () => {
    const cfg = parseReleaseStackConfig(PROJECT, entries(VALID));
    assert.equal(cfg.image, "ghcr.io/daniel-g-carrasco/margine");
    assert.equal(cfg.release.stable?.rollback, false);
    assert.equal(cfg.release.isos[0].files[0].size, 10);
    assert.equal(cfg.insecureRegistry, false);
    assert.equal(cfg.siteApiUrl, undefined);
    assert.equal(cfg.cosignPublicKey, PUBLIC_KEY);
  });

  it("requires cosignPublicKey once a stable promotion is declared, and only then", () => {
    assert.throws(
      () => parseReleaseStackConfig(PROJECT, entries({ ...VALID, cosignPublicKey: undefined })),
      (err: ConfigError) => err.key === `${PROJECT}:cosignPublicKey` && /required once release\.stable is declared/.test(err.message),
    );
    const noStable = withRelease((r) => {
      delete r.stable;
    });
    assert.equal(parseReleaseStackConfig(PROJECT, entries({ ...noStable, cosignPublicKey: undefined })).cosignPublicKey, undefined);
  });

  it("refuses a cosignPublicKey that is a private key (without echoing it) or another curve", () => {
    const { privateKey } = keyPair();
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    assert.throws(
      () => parseReleaseStackConfig(PROJECT, entries({ ...VALID, cosignPublicKey: pem })),
      (err: ConfigError) => {
        assert.match(err.message, /config margine-pipeline:cosignPublicKey: "\[private key\]" is not valid.*PRIVATE key/);
        assert.doesNotMatch(err.message, /BEGIN PRIVATE/);
        return true;
      },
    );
    const p384 = keyPair("secp384r1").publicKey.export({ format: "pem", type: "spki" }).toString();
    assert.throws(() => parseReleaseStackConfig(PROJECT, entries({ ...VALID, cosignPublicKey: p384 })), /secp384r1 key; cosign keys are ECDSA P-256/);
  });

  it("accepts a loopback registry over plain HTTP and a loopback site API (the engine tests)", () => {
    const cfg = parseReleaseStackConfig(
      PROJECT,
      entries({ ...VALID, image: "127.0.0.1:5000/margine", insecureRegistry: "true", siteApiUrl: "http://127.0.0.1:8080" }),
    );
    assert.equal(cfg.insecureRegistry, true);
    assert.equal(cfg.siteApiUrl, "http://127.0.0.1:8080");
  });

  const bad: [string, ConfigEntry[], string, RegExp][] = [
    [
      "a secret value",
      entries({ ...VALID, iaAccessKey: "x" }, [`${PROJECT}:iaAccessKey`]),
      "iaAccessKey",
      /no secret in the release stack: its previews run pull-request code/,
    ],
    ["a secret value under a known key", entries(VALID, [`${PROJECT}:siteRepository`]), "siteRepository", /no secret in the release stack/],
    ["a provider credential", entries({ ...VALID, "github:token": "ghp_x" }), "github:token", /one of the release stack's keys/],
    ["a typo of a known key", entries({ ...VALID, imag: "x" }), "imag", /did you mean margine-pipeline:image\?/],
    ["plain HTTP to a remote registry", entries({ ...VALID, insecureRegistry: true }), "insecureRegistry", /only for loopback registries, not ghcr\.io/],
    ["a site API over plain HTTP", entries({ ...VALID, siteApiUrl: "http://api.github.com" }), "siteApiUrl", /plain http only on loopback/],
    ["an image with a tag", entries({ ...VALID, image: "ghcr.io/daniel-g-carrasco/margine:latest" }), "image", /without tag or digest/],
    [
      "a short digest",
      entries(
        withRelease((r) => {
          r.stable.digest = `sha256:${"c".repeat(63)}`;
        }),
      ),
      "release.stable.digest",
      /sha256: followed by 64 lowercase hex/,
    ],
    [
      "a tag instead of a digest",
      entries(
        withRelease((r) => {
          r.stable.digest = "candidate";
        }),
      ),
      "release.stable.digest",
      /sha256:/,
    ],
    [
      "no boot evidence",
      entries(
        withRelease((r) => {
          delete r.stable.evidence;
        }),
      ),
      "release.stable.evidence",
      /passing smoke-boot run/,
    ],
    [
      "evidence that is not a run URL",
      entries(
        withRelease((r) => {
          r.stable.evidence.bootRun = "https://example.org/x";
        }),
      ),
      "release.stable.evidence.bootRun",
      /actions\/runs\/N/,
    ],
    [
      "a boot time without zone",
      entries(
        withRelease((r) => {
          r.stable.evidence.bootedAt = "2026-11-20 09:41";
        }),
      ),
      "release.stable.evidence.bootedAt",
      /ISO 8601/,
    ],
    [
      "an impossible ISO date",
      entries(
        withRelease((r) => {
          r.isos[0].date = "20261131";
        }),
      ),
      "release.isos[0].date",
      /real calendar date/,
    ],
    [
      "a bad IA identifier",
      entries(
        withRelease((r) => {
          r.isos[0].identifier = "_margine";
        }),
      ),
      "release.isos[0].identifier",
      /Internet Archive identifier/,
    ],
    [
      "a path as ISO file name",
      entries(
        withRelease((r) => {
          r.isos[0].files[0].name = "bootiso/install.iso";
        }),
      ),
      "release.isos[0].files[0].name",
      /basename/,
    ],
    [
      "a negative size",
      entries(
        withRelease((r) => {
          r.isos[0].files[0].size = -1;
        }),
      ),
      "release.isos[0].files[0].size",
      /positive integer/,
    ],
    [
      "two releases on one date",
      entries(
        withRelease((r) => {
          r.isos.push(structuredClone(r.isos[0]));
        }),
      ),
      "release.isos[1].date",
      /one ISO release per date/,
    ],
  ];
  for (const [what, given, key, expected] of bad) {
    it(`rejects ${what} with one line naming ${key}`, () => {
      assert.throws(
        () => parseReleaseStackConfig(PROJECT, given),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          const full = key.includes(":") ? key : `${PROJECT}:${key}`;
          assert.equal(err.key, full);
          assert.match(err.message, expected);
          assert.ok(err.message.startsWith(`config ${full}: `), err.message);
          assert.ok(!err.message.includes("\n"), "one line");
          return true;
        },
      );
    });
  }

  it("never echoes a secret value in its message", () => {
    assert.throws(
      () => parseReleaseStackConfig(PROJECT, entries({ ...VALID, iaSecretKey: "SENTINEL-iaSecretKey-7f3a9c1e" }, [`${PROJECT}:iaSecretKey`])),
      (err: Error) => {
        assert.doesNotMatch(err.message, /SENTINEL/);
        return true;
      },
    );
  });
});
