// The edge component under mocks (example stack): one remote.Command per file with the rendered
// content as stdin, a secret connection with the pinned host key, and synth's DIR/edge/ files.
import { strict as assert } from "node:assert";
import { OFFLINE_CLOUDFLARE_RANGES } from "../../../scripts/offline/cloudflare-invokes";
import { EDGE_FILES, EdgeFileValues, renderEdgeFiles } from "../../../components/edge/edge-files";
import { edgeSynthFiles } from "../../../scripts/offline/edge-files";
import { isSecretValue } from "../../../scripts/offline/evaluate";
import { SENTINEL_PATTERN, exampleProgram, resourceNamed, resourcesOfType, sentinel } from "../../support/program-run";

const COMMAND = "command:remote:Command";

function values(isoDates: string[]): EdgeFileValues {
  return {
    filesHost: "files.the-empty.place",
    fallbackHost: "direct.files.the-empty.place",
    release: {
      isos: isoDates.map((date) => ({
        date,
        identifier: `margine-${date}`,
        files: [{ name: `margine-${date}.iso`, sha256: "a".repeat(64), md5: "b".repeat(32), size: 1 }],
      })),
    },
    cloudflareCidrs: ["173.245.48.0/20"],
    deployPublicKey: `ssh-ed25519 ${"A".repeat(68)}`,
  };
}

describe("EdgeServer under mocks (example stack)", () => {
  it("runs every command over a secret connection with the pinned host key and the admin key", async () => {
    const program = await exampleProgram();
    const commands = resourcesOfType(program, COMMAND);
    assert.equal(commands.length, EDGE_FILES.length + 3); // + provision, origin PEM, fallback certificate
    for (const c of commands) {
      assert.ok(isSecretValue(c.inputs.connection), `${c.name}: connection must be secret`);
      assert.equal(c.parent, "edge");
    }
    const conn = (commands[0].inputs.connection as { value: Record<string, unknown> }).value;
    assert.equal(conn.host, "direct.files.the-empty.place", "SSH goes to the DNS-only host: Cloudflare's proxy does not carry SSH");
    assert.equal(conn.user, "margine-admin");
    assert.equal(conn.port, 22);
    assert.match(String(conn.hostKey), /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample/);
    const key = conn.privateKey as unknown;
    assert.equal(isSecretValue(key) ? (key as { value: string }).value : key, sentinel("edgeSshPrivateKey"));
  });

  it("installs each file from its renderer; the origin PEM stays secret", async () => {
    const program = await exampleProgram();
    const site = String(resourceNamed(program, "edge-file-nginx-site").inputs.stdin);
    for (const cidr of [...OFFLINE_CLOUDFLARE_RANGES.ipv4Cidrs, ...OFFLINE_CLOUDFLARE_RANGES.ipv6Cidrs]) assert.ok(site.includes(`allow ${cidr};`), cidr);
    const keys = String(resourceNamed(program, "edge-file-deploy-authorized-keys").inputs.stdin);
    assert.match(keys, /^restrict,command="\/usr\/bin\/rrsync -wo -no-del \/srv\/margine\/iso" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI/);
    assert.match(String(resourceNamed(program, "edge-file-sha256sums").inputs.stdin), /^3b0c8f7e\S+ {2}margine-20261120\.iso\n$/);
    assert.ok(isSecretValue(resourceNamed(program, "edge-file-origin-pem").inputs.stdin));
  });

  it("never carries a secret in plaintext outside the secret-wrapped inputs", async () => {
    const program = await exampleProgram();
    const redacted = JSON.stringify(
      resourcesOfType(program, COMMAND).map((c) => Object.fromEntries(Object.entries(c.inputs).filter(([, v]) => !isSecretValue(v)))),
    );
    assert.ok(!SENTINEL_PATTERN.test(redacted));
  });

  it("synth writes every rendered edge file and command script, never the secret PEM", async () => {
    const program = await exampleProgram();
    const paths = edgeSynthFiles(program.resources).map((f) => f.path);
    for (const file of EDGE_FILES) assert.ok(paths.includes(file.path.slice(1)), file.path);
    assert.ok(paths.includes("commands/edge-provision.sh"));
    assert.ok(!paths.some((p) => p.endsWith("origin.pem")));
  });

  it("a new release changes only index.html and SHA256SUMS: only their commands update", () => {
    const before = renderEdgeFiles(values(["20261120"]));
    const after = renderEdgeFiles(values(["20261120", "20261127"]));
    const changed = [...before.keys()].filter((k) => before.get(k) !== after.get(k));
    assert.deepEqual(changed, ["srv/margine/www/index.html", "srv/margine/www/SHA256SUMS"]);
  });
});
