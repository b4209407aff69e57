// A temporary stand-in for the edge VM's file system: the rendered files with their absolute
// paths (/srv/margine, /etc/margine-edge) moved under a temp dir, and test certificates from
// openssl, so the real consumers (nginx, sh, sshd) can run them unprivileged.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EDGE_PATHS, TLS_FILES } from "../../../components/edge/edge-layout";
import { requireTool, runTool } from "../../../fixtures/system-tool";

export class EdgeSandbox {
  readonly root: string;

  constructor(prefix: string) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  /** Where an absolute VM path lives in the sandbox. */
  at(vmPath: string): string {
    return path.join(this.root, vmPath);
  }

  /** Rewrites every VM path the renderers use so that it points into the sandbox. */
  rewrite(text: string): string {
    const roots = ["/srv/margine", EDGE_PATHS.tlsDir];
    return roots.reduce((t, r) => t.split(r).join(this.at(r)), text);
  }

  write(vmPath: string, content: string, mode = 0o644): string {
    const file = this.at(vmPath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode });
    return file;
  }

  /** Self-signed certificate + key PEMs for both TLS files, as the edge holds them (one PEM each). */
  makeTestCertificates(hosts: { origin: string; fallback: string }): void {
    const openssl = requireTool("openssl", "openssl");
    for (const [file, host] of [
      [TLS_FILES.origin, hosts.origin],
      [TLS_FILES.fallback, hosts.fallback],
    ] as const) {
      const dir = fs.mkdtempSync(path.join(this.root, "cert-"));
      runTool(openssl, [
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
        `/CN=${host}`,
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ]);
      this.write(file, fs.readFileSync(`${dir}/cert.pem`, "utf8") + fs.readFileSync(`${dir}/key.pem`, "utf8"), 0o600);
    }
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
