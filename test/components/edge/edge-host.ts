// A stand-in edge VM on this machine, as root: a mount, network and PID namespace (util-linux
// unshare) where /etc, /var, /srv, /home, /root and /usr/local are copy-on-write overlays of the
// real ones and /run is empty. The edge command scripts run there unchanged, as an admin account
// with passwordless sudo (the real sudo), against the real nginx, sshd, rsync and certbot; nothing
// they do reaches the host, and killing the namespace's init ends every process started in it.
// systemd does not run here: a small systemctl stand-in starts and reloads nginx and sshd.
import { ChildProcess, SpawnOptions, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requireTool } from "../../../fixtures/system-tool";

export const ADMIN = "margine-admin";
const OVERLAID = ["/etc", "/var", "/srv", "/home", "/root", "/usr/local"];

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** What systemctl does on the stand-in VM: only what the edge scripts ask of it. */
const SYSTEMCTL = `#!/bin/bash
# Test stand-in for systemd (edge-host.ts): logs every call, runs nginx and sshd as daemons.
echo "$*" >> /run/systemctl.log
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
case "$1" in
  daemon-reload) exit 0 ;;
  enable) mkdir -p /etc/systemd/system/timers.target.wants
          ln -sf "/etc/systemd/system/$2" "/etc/systemd/system/timers.target.wants/$2" ;;
  disable) shift; [ "$1" = --now ] && shift; rm -f "/etc/systemd/system/timers.target.wants/$1" ;;
  start|restart|reload|reload-or-restart)
    case "$2" in
      nginx) if running /run/nginx.pid; then nginx -s reload; else nginx; fi ;;
      ssh) if running /run/sshd.pid; then kill -HUP "$(cat /run/sshd.pid)"; else /usr/sbin/sshd; fi ;;
      *.timer|*.service) [ -e "/etc/systemd/system/$2" ] ;;
      *) echo "systemctl stand-in: unknown unit $2" >&2; exit 5 ;;
    esac ;;
  *) echo "systemctl stand-in: unsupported $*" >&2; exit 1 ;;
esac
`;

export class EdgeHost {
  readonly dir: string;
  private holder!: ChildProcess;
  /** Host PID of the namespace's init (what nsenter targets). */
  private initPid = 0;

  private constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-host-"));
  }

  static async start(hosts: readonly string[]): Promise<EdgeHost> {
    for (const [tool, pkg] of [
      ["unshare", "util-linux"],
      ["nsenter", "util-linux"],
      ["sudo", "sudo"],
      ["ip", "iproute2"],
      ["runuser", "util-linux"],
    ])
      requireTool(tool, pkg);
    if (process.getuid?.() !== 0)
      throw new Error("the edge command tests run as root (namespaces, sudo, nginx on port 443): run them as root, as scripts/ci.sh does in CI");
    const host = new EdgeHost();
    host.holder = spawn("unshare", ["--mount", "--net", "--pid", "--fork", "--mount-proc", "--propagation", "private", "sleep", "infinity"], {
      stdio: "ignore",
    });
    const unsharePid = host.holder.pid!;
    for (let i = 0; i < 200 && !host.initPid; i++) {
      const children = fs.readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").trim();
      if (children) host.initPid = Number(children.split(/\s+/)[0]);
      else await new Promise((r) => setTimeout(r, 10));
    }
    if (!host.initPid) throw new Error("unshare started no namespace init within 2 s");
    const mounts = OVERLAID.map((d) => {
      const up = path.join(host.dir, "upper", d);
      const work = path.join(host.dir, "work", d);
      return `mkdir -p ${up} ${work} && mount -t overlay overlay -o lowerdir=${d},upperdir=${up},workdir=${work} ${d}`;
    });
    host.must([
      "sh",
      "-euc",
      [
        ...mounts,
        "mount -t tmpfs tmpfs /run",
        "mkdir -p /run/sshd /run/sudo",
        "ip link set lo up",
        `printf '127.0.0.1 %s\\n' ${hosts.join(" ")} >> /etc/hosts`,
        `useradd --create-home --shell /bin/sh ${ADMIN}`,
        `echo '${ADMIN} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/${ADMIN}`,
        `chmod 0440 /etc/sudoers.d/${ADMIN}`,
        // Debian's default site is not the edge's: the VM starts from nginx with only our site.
        "rm -f /etc/nginx/sites-enabled/default",
      ].join("\n"),
    ]);
    host.writeFile("/usr/local/sbin/systemctl", SYSTEMCTL, 0o755);
    return host;
  }

  /** Where a path of the stand-in VM that the scripts wrote lives on the host (the overlay's upper layer). */
  upper(vmPath: string): string {
    return path.join(this.dir, "upper", vmPath);
  }

  /** Runs argv as root inside the namespace. */
  exec(argv: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): Run {
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const res = spawnSync("nsenter", ["-t", String(this.initPid), "-m", "-n", "-p", "--", "env", ...env, ...argv], {
      input: options.input,
      encoding: "utf8",
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr + (res.error ? String(res.error) : "") };
  }

  /** Like exec, but throws with the output when the command fails. */
  must(argv: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): string {
    const res = this.exec(argv, options);
    if (res.status !== 0) throw new Error(`${argv.join(" ")} exited ${res.status}:\n${res.stdout}${res.stderr}`);
    return res.stdout;
  }

  /** A remote.Command as Pulumi runs it: `sh -c SCRIPT` as the admin account, stdin = the file. */
  command(script: string, stdin = ""): Run {
    return this.exec(["runuser", "-u", ADMIN, "--", "env", "-i", `HOME=/home/${ADMIN}`, "PATH=/usr/local/bin:/usr/bin:/bin", "sh", "-c", script], {
      input: stdin,
    });
  }

  /** Starts argv inside the namespace without waiting (its own process group, so it can be cut). */
  spawn(argv: string[], options: SpawnOptions = {}): ChildProcess {
    return spawn("nsenter", ["-t", String(this.initPid), "-m", "-n", "-p", "--", ...argv], { detached: true, stdio: ["ignore", "pipe", "pipe"], ...options });
  }

  readFile(vmPath: string): string {
    return this.must(["cat", vmPath]);
  }

  writeFile(vmPath: string, content: string, mode = 0o644): void {
    this.must(["sh", "-c", `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod ${mode.toString(8)} "$1"`, "sh", vmPath], { input: content });
  }

  exists(vmPath: string): boolean {
    return this.exec(["test", "-e", vmPath]).status === 0;
  }

  /** curl inside the namespace: `[status, body]` of an HTTPS GET to `host` on loopback. */
  get(host: string, urlPath: string, extra: string[] = []): { status: number; body: string } {
    const res = this.exec([
      "curl",
      "-sk",
      "--max-time",
      "20",
      "--resolve",
      `${host}:443:127.0.0.1`,
      "-w",
      "\n%{http_code}",
      ...extra,
      `https://${host}${urlPath}`,
    ]);
    const cut = res.stdout.lastIndexOf("\n");
    return { status: Number(res.stdout.slice(cut + 1)), body: res.stdout.slice(0, cut) };
  }

  /** Polls `check` every 50 ms for at most `ms`; throws with `what` when it never holds. */
  async until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (check()) return;
    throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }

  async stop(): Promise<void> {
    // The init of a PID namespace takes every process of the namespace with it.
    if (this.initPid)
      try {
        process.kill(this.initPid, "SIGKILL");
      } catch {
        /* already gone */
      }
    if (this.holder.exitCode === null && this.holder.signalCode === null) await new Promise((r) => this.holder.once("exit", r));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
