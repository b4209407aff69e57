// The deploy key's rsync-only restriction, exercised against a real sshd (Debian openssh-server)
// on loopback: sshd runs in the foreground as the current user with a temporary host key, and its
// AuthorizedKeysFile is the rendered authorized_keys line (rrsync -wo -no-del into one directory).
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { RRSYNC, renderAuthorizedKeys, renderSshdDropIn } from "../../../components/edge/deploy-access";
import { DEPLOY_USER, EDGE_PATHS } from "../../../components/edge/edge-layout";
import { requireTool, runTool } from "../../../fixtures/system-tool";
import { stopChild } from "../../support/processes";

function attempt(command: string, args: string[]): { ok: boolean; output: string } {
  try {
    return { ok: true, output: runTool(command, args) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? e.message}` };
  }
}

describe("edge deploy key against a real sshd on loopback", function () {
  this.timeout(60_000);
  let dir: string;
  let isoDir: string;
  let sshd: ChildProcess;
  let sshdLog = "";
  let sshArgs: string[];
  let ssh: string;
  let rsync: string;
  const user = os.userInfo().username;

  before(async () => {
    const sshdBin = requireTool("sshd", "openssh-server");
    const keygen = requireTool("ssh-keygen", "openssh-client");
    ssh = requireTool("ssh", "openssh-client");
    rsync = requireTool("rsync", "rsync");
    requireTool("rrsync", "rsync");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-sshd-"));
    isoDir = path.join(dir, "iso");
    fs.mkdirSync(isoDir);
    runTool(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host_key")]);
    runTool(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "deploy_key")]);
    const publicKey = fs.readFileSync(path.join(dir, "deploy_key.pub"), "utf8");
    fs.writeFileSync(path.join(dir, "authorized_keys"), renderAuthorizedKeys(publicKey, isoDir), { mode: 0o600 });
    // As root, sshd insists on its privilege-separation directory (systemd creates it on a real host).
    if (process.getuid?.() === 0) fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    // StrictModes no: the temp dir is under the world-writable /tmp; on the VM the file is root-owned in /etc/ssh.
    fs.writeFileSync(
      path.join(dir, "sshd_config"),
      [
        `HostKey ${dir}/host_key`,
        `PidFile ${dir}/sshd.pid`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        "ListenAddress 127.0.0.1",
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin forced-commands-only",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    sshd = spawn(sshdBin, ["-D", "-e", "-f", path.join(dir, "sshd_config"), "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    sshd.stderr?.on("data", (c) => (sshdLog += c));
    const hostKey = fs.readFileSync(path.join(dir, "host_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    fs.writeFileSync(path.join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey}\n`);
    sshArgs = [
      "-F",
      "/dev/null",
      "-p",
      String(port),
      "-i",
      path.join(dir, "deploy_key"),
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${dir}/known_hosts`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
    ];
    for (let i = 0; i < 100 && !sshdLog.includes("Server listening"); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(sshdLog, /Server listening/, `sshd did not start:\n${sshdLog}`);
    fs.writeFileSync(path.join(dir, "margine-20261120.iso"), "iso bytes\n");
  });
  after(async () => {
    if (sshd) await stopChild(sshd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const remote = () => `${user}@127.0.0.1`;
  const rsyncSsh = () => `${ssh} ${sshArgs.join(" ")}`;

  it("the rendered line forces rrsync, write-only and without deletes, with every forwarding off", () => {
    const line = renderAuthorizedKeys(fs.readFileSync(path.join(dir, "deploy_key.pub"), "utf8"));
    assert.match(line, new RegExp(`^restrict,command="${RRSYNC} -wo -no-del ${EDGE_PATHS.isoDir}" ssh-ed25519 \\S+ margine-edge-deploy\\n$`));
    assert.throws(() => renderAuthorizedKeys("not a key"), /not an OpenSSH public key/);
    assert.match(renderSshdDropIn(), new RegExp(`Match User ${DEPLOY_USER}\\n\\s+AuthorizedKeysFile ${EDGE_PATHS.deployAuthorizedKeys}`));
  });

  it("rsync uploads an ISO into the directory", () => {
    const result = attempt(rsync, ["-a", "-e", rsyncSsh(), path.join(dir, "margine-20261120.iso"), `${remote()}:`]);
    assert.ok(result.ok, result.output + sshdLog);
    assert.equal(fs.readFileSync(path.join(isoDir, "margine-20261120.iso"), "utf8"), "iso bytes\n");
  });

  it("a shell command is refused", () => {
    const result = attempt(ssh, [...sshArgs, remote(), "cat /etc/hostname; touch", path.join(dir, "pwned")]);
    assert.equal(result.ok, false);
    assert.ok(!fs.existsSync(path.join(dir, "pwned")));
    // rrsync's own refusal, not any failure (a broken key or sshd would fail too).
    assert.match(result.output, /SSH_ORIGINAL_COMMAND does not run rsync/, result.output);
  });

  it("rsync cannot write outside the directory", () => {
    const result = attempt(rsync, ["-a", "-e", rsyncSsh(), path.join(dir, "margine-20261120.iso"), `${remote()}:../escaped.iso`]);
    assert.ok(!fs.existsSync(path.join(dir, "escaped.iso")), `escaped the directory: ${result.output}`);
    assert.equal(result.ok, false, result.output);
    assert.match(result.output, /do not use \.\.|unsafe arg|escaped tree/, result.output);
  });

  it("rsync cannot read (download) from the directory: the key is write-only", () => {
    const out = fs.mkdtempSync(path.join(dir, "download-"));
    const result = attempt(rsync, ["-a", "-e", rsyncSsh(), `${remote()}:margine-20261120.iso`, out]);
    assert.equal(result.ok, false);
    assert.deepEqual(fs.readdirSync(out), []);
    assert.match(result.output, /reading from write-only server is not allowed/, result.output);
  });

  it("rsync --delete is refused: deleting is the prune timer's job", () => {
    const empty = fs.mkdtempSync(path.join(dir, "empty-"));
    const result = attempt(rsync, ["-a", "--delete", "-e", rsyncSsh(), `${empty}/`, `${remote()}:`]);
    assert.equal(result.ok, false);
    assert.ok(fs.existsSync(path.join(isoDir, "margine-20261120.iso")));
    assert.match(result.output, /option .*delete.* has been disabled on this server/, result.output);
  });
});
