// What the stand-in edge VM tests share: host names, keys and certificates made with the real
// tools (openssl, ssh-keygen), the rendered-file values, a provisioned VM, and pebble (Debian's
// ACME test server) standing in for Let's Encrypt.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EDGE_FILES, EdgeFileValues, ORIGIN_PEM } from "../../../components/edge/edge-files";
import { renderInstallScript, renderProvisionScript } from "../../../components/edge/remote-scripts";
import { ReleaseState } from "../../../config/release-state";
import { runTool } from "../../../fixtures/system-tool";
import { EdgeHost } from "./edge-host";

export const FILES = "files.example.test";
export const FALLBACK = "direct.files.example.test";
export const SITE = "margine.example.test";

export interface EdgeKeys {
  /** Origin certificate + key for the proxied hosts (a self-signed stand-in for Cloudflare's origin CA). */
  readonly originPem: string;
  readonly deployPublicKey: string;
  readonly deployPrivateKey: string;
}

export function makeKeys(): EdgeKeys {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-keys-"));
  try {
    runTool("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${FILES}`,
      "-addext",
      `subjectAltName=DNS:${FILES},DNS:${SITE}`,
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ]);
    runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", `${dir}/deploy`]);
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    return { originPem: read("cert.pem") + read("key.pem"), deployPublicKey: read("deploy.pub").trim(), deployPrivateKey: read("deploy") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Loopback stands in for Cloudflare's ranges: curl inside the namespace is "Cloudflare". */
export function edgeValues(deployPublicKey: string, release: ReleaseState): EdgeFileValues {
  return { filesHost: FILES, fallbackHost: FALLBACK, siteHost: SITE, release, cloudflareCidrs: ["127.0.0.0/8", "::1/128"], deployPublicKey };
}

/** Provision, origin PEM, every file: the state `pulumi up` leaves the VM in. */
export function bringUp(vm: EdgeHost, keys: EdgeKeys, values: EdgeFileValues): void {
  const steps: [string, string, string][] = [
    ["provision", renderProvisionScript(FALLBACK), ""],
    ["origin PEM", renderInstallScript(ORIGIN_PEM), keys.originPem],
    ...EDGE_FILES.map((f): [string, string, string] => [f.id, renderInstallScript(f), f.render(values)]),
  ];
  for (const [what, script, stdin] of steps) {
    const run = vm.command(script, stdin);
    if (run.status !== 0) throw new Error(`${what} exited ${run.status}:\n${run.stdout}${run.stderr}`);
  }
}

/** pebble on 127.0.0.1:14000 validating HTTP-01 on port 80; certbot pointed at it by cli.ini. */
export async function startPebble(vm: EdgeHost): Promise<void> {
  vm.must([
    "sh",
    "-euc",
    `mkdir -p /etc/pebble /etc/letsencrypt
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \\
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout /etc/pebble/key.pem -out /etc/pebble/cert.pem 2>/dev/null`,
  ]);
  vm.writeFile(
    "/etc/pebble/config.json",
    JSON.stringify({
      pebble: {
        listenAddress: "127.0.0.1:14000",
        managementListenAddress: "127.0.0.1:15000",
        certificate: "/etc/pebble/cert.pem",
        privateKey: "/etc/pebble/key.pem",
        httpPort: 80,
        tlsPort: 5001,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  // certbot's own config file: the edge script stays exactly as rendered.
  vm.writeFile("/etc/letsencrypt/cli.ini", "server = https://127.0.0.1:14000/dir\nno-verify-ssl = true\n");
  vm.spawn(["env", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "pebble", "-config", "/etc/pebble/config.json"], { stdio: "ignore" });
  await vm.until("pebble to answer", () => vm.exec(["curl", "-sfk", "https://127.0.0.1:14000/dir"]).status === 0);
}
