// Every edge command script run for real, as Pulumi runs it (sh -c as the admin account, the file
// on stdin), on a stand-in VM (edge-host.ts: namespaces over this machine's Debian nginx, sshd,
// sudo, rsync, certbot, with pebble as the ACME server). Each file's happy path and its failure
// path: a file nginx or sshd rejects makes the command exit non-zero, the previous file is back
// and the daemon still serves it.
import { strict as assert } from "node:assert";
import { EDGE_FILES, EdgeFileSpec, EdgeFileValues, ORIGIN_PEM } from "../../../components/edge/edge-files";
import { DEPLOY_USER, EDGE_PATHS, TLS_FILES } from "../../../components/edge/edge-layout";
import { renderCertificateScript, renderInstallScript, renderProvisionScript, renderRemoveScript } from "../../../components/edge/remote-scripts";
import { requireTool } from "../../../fixtures/system-tool";
import { EdgeHost } from "./edge-host";
import { FALLBACK, FILES, SITE, edgeValues, makeKeys, startPebble } from "./edge-host-fixtures";

function file(id: string): EdgeFileSpec {
  const spec = EDGE_FILES.find((f) => f.id === id);
  if (!spec) throw new Error(`no edge file ${id}`);
  return spec;
}

describe("edge command scripts on a stand-in VM (namespaces, real daemons)", function () {
  this.timeout(120_000);
  let vm: EdgeHost;
  let values: EdgeFileValues;
  let keys: Awaited<ReturnType<typeof makeKeys>>;

  const install = (id: string, content?: string) => {
    const spec = file(id);
    return vm.command(renderInstallScript(spec), content ?? spec.render(values));
  };
  const ok = (run: { status: number | null; stdout: string; stderr: string }, what: string) =>
    assert.equal(run.status, 0, `${what}:\n${run.stdout}${run.stderr}`);

  before(async () => {
    for (const [tool, pkg] of [
      ["nginx", "nginx-light"],
      ["sshd", "openssh-server"],
      ["rsync", "rsync"],
      ["certbot", "certbot"],
      ["pebble", "pebble"],
      ["curl", "curl"],
      ["openssl", "openssl"],
    ])
      requireTool(tool, pkg);
    vm = await EdgeHost.start([FILES, FALLBACK, SITE]);
    keys = makeKeys();
    values = edgeValues(keys.deployPublicKey, { isos: [] });
  });
  after(async () => {
    await vm?.stop();
  });

  it("provision: packages present, deploy user without password, directories, a bootstrap certificate; twice is a no-op", () => {
    const script = renderProvisionScript(FALLBACK);
    ok(vm.command(script), "provision");
    assert.match(vm.must(["getent", "shadow", DEPLOY_USER]), new RegExp(`^${DEPLOY_USER}:\\*:`));
    assert.match(vm.must(["stat", "-c", "%U %a", EDGE_PATHS.isoDir]), new RegExp(`^${DEPLOY_USER} 755`));
    for (const dir of [EDGE_PATHS.webRoot, EDGE_PATHS.siteRoot, EDGE_PATHS.acmeRoot]) assert.ok(vm.exists(dir), dir);
    const pem = vm.readFile(TLS_FILES.fallback);
    ok(vm.command(script), "provision again");
    assert.equal(vm.readFile(TLS_FILES.fallback), pem, "the bootstrap certificate is made once");
    assert.ok(!vm.exists("/run/systemctl.log"), "provisioning starts nothing");
  });

  it("origin PEM, then every rendered file: installed, validated, activated; nginx serves all three hosts", () => {
    ok(vm.command(renderInstallScript(ORIGIN_PEM), keys.originPem), "origin PEM");
    for (const spec of EDGE_FILES) ok(install(spec.id), spec.id);
    for (const spec of EDGE_FILES) assert.equal(vm.readFile(spec.path), spec.render(values), spec.path);
    assert.equal(vm.must(["readlink", EDGE_PATHS.nginxSiteEnabled]).trim(), EDGE_PATHS.nginxSite);
    const index = vm.get(FILES, "/");
    assert.equal(index.status, 200);
    assert.match(index.body, /Margine ISO downloads/);
    vm.writeFile(`${EDGE_PATHS.siteRoot}/index.html`, "<title>the site</title>\n");
    assert.deepEqual(vm.get(SITE, "/releases"), { status: 200, body: "<title>the site</title>\n" }, "the site host answers (SPA fallback)");
    assert.equal(vm.get(FALLBACK, "/margine-20261201.iso").status, 404, "nothing uploaded yet");
    assert.ok(vm.exists(`/etc/systemd/system/timers.target.wants/margine-prune-isos.timer`), "the prune timer is enabled");
    assert.match(vm.readFile("/run/systemctl.log"), /^reload ssh$/m);
    ok(vm.exec(["sshd", "-t"]), "sshd -t with the deploy drop-in");
  });

  it("a site nginx rejects: exit 1, the previous site is back, nginx keeps serving it", () => {
    const good = vm.readFile(EDGE_PATHS.nginxSite);
    const bad = good.replace("index index.html;", "index index.html;\n    no_such_directive on;");
    const run = install("nginx-site", bad);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /no_such_directive/);
    assert.match(run.stderr, /margine-edge\.conf rejected by: .*nginx -t; previous version restored/);
    assert.equal(vm.readFile(EDGE_PATHS.nginxSite), good);
    assert.ok(!vm.exists(`${EDGE_PATHS.nginxSite}.previous`));
    ok(vm.exec(["nginx", "-t"]), "nginx -t after the rejection");
    assert.equal(vm.get(FILES, "/").status, 200, "nginx still serves the previous site");
  });

  it("a first site nginx rejects leaves neither the file nor a dangling link; the good one then installs", () => {
    ok(vm.command(renderRemoveScript(file("nginx-site"))), "remove the site");
    assert.ok(!vm.exists(EDGE_PATHS.nginxSite) && !vm.exists(EDGE_PATHS.nginxSiteEnabled));
    const run = install("nginx-site", "server { no_such_directive on; }\n");
    assert.equal(run.status, 1);
    assert.ok(!vm.exists(EDGE_PATHS.nginxSite));
    assert.equal(vm.exec(["test", "-L", EDGE_PATHS.nginxSiteEnabled]).status, 1, "no dangling sites-enabled link");
    ok(vm.exec(["nginx", "-t"]), "nginx -t after a rejected first install");
    ok(install("nginx-site"), "the good site");
    assert.equal(vm.get(FILES, "/").status, 200);
  });

  it("an origin PEM nginx rejects and an sshd drop-in sshd rejects are both rolled back", () => {
    const pem = vm.readFile(TLS_FILES.origin);
    const badPem = vm.command(renderInstallScript(ORIGIN_PEM), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    assert.equal(badPem.status, 1);
    assert.equal(vm.readFile(TLS_FILES.origin), pem);
    assert.equal(vm.get(FILES, "/").status, 200);
    const dropIn = vm.readFile(EDGE_PATHS.sshdDropIn);
    const badSshd = install("sshd-deploy-user", `${dropIn}    NoSuchOption yes\n`);
    assert.equal(badSshd.status, 1);
    assert.match(badSshd.stderr, /NoSuchOption/);
    assert.equal(vm.readFile(EDGE_PATHS.sshdDropIn), dropIn);
    ok(vm.exec(["sshd", "-t"]), "sshd -t after the rollback");
  });

  it("the DNS-only host's certificate comes from ACME (pebble), installed by certbot's deploy hook", async () => {
    await startPebble(vm);
    ok(vm.command(renderCertificateScript(FALLBACK)), "certbot + install-fallback-cert");
    const issuer = vm.must(["openssl", "x509", "-noout", "-issuer", "-in", TLS_FILES.fallback]);
    assert.match(issuer, /Pebble/i);
    await vm.until("nginx to present the ACME certificate", () =>
      /Pebble/i.test(
        vm.exec(["sh", "-c", `openssl s_client -connect 127.0.0.1:443 -servername ${FALLBACK} </dev/null 2>/dev/null | openssl x509 -noout -issuer`]).stdout,
      ),
    );
    // The deploy hook's own failure path: a certificate nginx rejects is not kept.
    const live = `/etc/letsencrypt/live/${FALLBACK}`;
    const before = vm.readFile(TLS_FILES.fallback);
    vm.must(["sh", "-c", `cp -L ${live}/fullchain.pem /tmp/fullchain.keep && rm ${live}/fullchain.pem && printf 'garbage\\n' > ${live}/fullchain.pem`]);
    const hook = vm.exec([EDGE_PATHS.installFallbackCert]);
    assert.equal(hook.status, 1);
    assert.match(hook.stderr, /rejected by nginx -t; previous version restored/);
    assert.equal(vm.readFile(TLS_FILES.fallback), before);
    vm.must(["sh", "-c", `mv /tmp/fullchain.keep ${live}/fullchain.pem`]);
    ok(vm.command(renderCertificateScript(FALLBACK)), "certificate script again (idempotent)");
  });

  it("the DNS-only host serves one rate-limited ISO download at a time, and tells the next one where to go", async () => {
    // 32 MiB at the 512 KiB/s limit: the first download stays open for a minute, however busy the machine.
    vm.must(["sh", "-c", `head -c 33554432 /dev/zero > ${EDGE_PATHS.isoDir}/margine-20261101.iso`]);
    const partial = "/tmp/first-download.part";
    const slow = vm.spawn(["curl", "-sSk", "-o", partial, "--resolve", `${FALLBACK}:443:127.0.0.1`, `https://${FALLBACK}/margine-20261101.iso`]);
    let slowStderr = "";
    slow.stderr!.on("data", (chunk: Buffer) => (slowStderr += chunk.toString()));
    try {
      // Waits on bytes, not on time: once the first download has received some, it holds the slot
      // (limit_rate keeps it open for a minute), so the very next download must be refused.
      await vm.until(
        "the first download to be under way",
        () => {
          if (slow.exitCode !== null) throw new Error(`the first download ended early (curl exit ${slow.exitCode}): ${slowStderr.trim()}`);
          return Number(vm.exec(["sh", "-c", `stat -c %s ${partial} 2>/dev/null || echo 0`]).stdout.trim()) > 0;
        },
        20_000,
      );
      const busy = vm.get(FALLBACK, "/margine-20261101.iso");
      assert.equal(busy.status, 503);
      assert.match(busy.body, /one download at a time\. Use the Internet Archive/);
    } finally {
      try {
        process.kill(-slow.pid!, "SIGKILL");
      } catch {
        /* the download already ended (ESRCH) */
      }
    }
    await vm.until("the slot to free up", () => vm.get(FALLBACK, "/margine-20261101.iso", ["-r", "0-9"]).status === 206);
    vm.must(["rm", "-f", `${EDGE_PATHS.isoDir}/margine-20261101.iso`, partial]);
  });

  it("remove scripts: every file goes, the site is unlinked and nginx reloaded, the timer disabled; reinstalling restores all", () => {
    for (const spec of EDGE_FILES) ok(vm.command(renderRemoveScript(spec)), `remove ${spec.id}`);
    for (const spec of EDGE_FILES) assert.ok(!vm.exists(spec.path), `${spec.path} removed`);
    assert.ok(!vm.exists(EDGE_PATHS.nginxSiteEnabled));
    assert.ok(!vm.exists("/etc/systemd/system/timers.target.wants/margine-prune-isos.timer"));
    assert.match(vm.readFile("/run/systemctl.log"), /^disable --now margine-prune-isos\.timer$/m);
    ok(vm.exec(["nginx", "-t"]), "nginx -t without the site");
    ok(vm.exec(["sshd", "-t"]), "sshd -t without the drop-in");
    for (const spec of EDGE_FILES) ok(install(spec.id), `reinstall ${spec.id}`);
    assert.equal(vm.get(FILES, "/").status, 200);
    assert.ok(vm.exists("/etc/systemd/system/timers.target.wants/margine-prune-isos.timer"));
  });
});
