// The edge VM (files host), configured over SSH with @pulumi/command: provisioning first, then
// one remote.Command per rendered file (its content is the command's stdin, so a changed file
// updates only its own command), then the DNS-only host's certificate. The connection carries
// the admin private key and is secret; the host key is pinned from config.
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { EdgeConfig } from "../../config/stack";
import { ReleaseState } from "../../config/release-state";
import { EDGE_FILES, EdgeFileSpec, EdgeFileValues, ORIGIN_PEM } from "./edge-files";
import { renderCertificateScript, renderInstallScript, renderProvisionScript, renderRemoveScript } from "./remote-scripts";

export interface EdgeServerArgs {
  readonly edge: EdgeConfig;
  readonly adminPrivateKey: pulumi.Input<string>;
  readonly filesHost: string;
  readonly fallbackHost: string;
  /** The website's host (Cloudflare-proxied, its record points at this VM). */
  readonly siteHost: string;
  readonly release: ReleaseState;
  /** Cloudflare's IPv4 + IPv6 ranges: the proxied host's only allowed clients. */
  readonly cloudflareCidrs: pulumi.Input<string[]>;
  /** Public half of the edge deploy key (the private half is the EDGE_DEPLOY_KEY secret). */
  readonly deployPublicKey: pulumi.Input<string>;
  /** Cloudflare origin CA certificate and its private key (PEM). */
  readonly originCertificatePem: pulumi.Input<string>;
  readonly originPrivateKeyPem: pulumi.Input<string>;
}

export class EdgeServer extends pulumi.ComponentResource {
  /** Resource names of the file commands, by file id. */
  readonly fileCommands: Record<string, remote.Command>;

  constructor(name: string, args: EdgeServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("margine:edge:EdgeServer", name, {}, opts);
    // edge.sshHost defaults to the DNS-only fallback host (config/stack.ts): Cloudflare's proxy
    // in front of filesHost does not carry SSH.
    const connection = pulumi.secret({
      host: args.edge.sshHost,
      port: args.edge.sshPort,
      user: args.edge.sshUser,
      hostKey: args.edge.hostKey,
      privateKey: args.adminPrivateKey,
    });
    const command = (suffix: string, cmd: Omit<remote.CommandArgs, "connection">, dependsOn: pulumi.Resource[]) =>
      new remote.Command(`${name}-${suffix}`, { connection, ...cmd }, { parent: this, dependsOn });

    const provision = command("provision", { create: renderProvisionScript(args.fallbackHost) }, []);

    const origin = command(
      "file-origin-pem",
      {
        create: renderInstallScript(ORIGIN_PEM),
        delete: renderRemoveScript(ORIGIN_PEM),
        stdin: pulumi.secret(pulumi.interpolate`${args.originCertificatePem}\n${args.originPrivateKeyPem}\n`),
      },
      [provision],
    );

    const base = { filesHost: args.filesHost, fallbackHost: args.fallbackHost, siteHost: args.siteHost, release: args.release };
    const contentOf = (file: EdgeFileSpec): pulumi.Input<string> => {
      switch (file.needs) {
        case "cloudflareCidrs":
          return pulumi.output(args.cloudflareCidrs).apply((cidrs) => file.render({ ...base, cloudflareCidrs: cidrs, deployPublicKey: "" }));
        case "deployPublicKey":
          return pulumi.output(args.deployPublicKey).apply((key) => file.render({ ...base, cloudflareCidrs: [], deployPublicKey: key }));
        case "none":
          return file.render({ ...base, cloudflareCidrs: [], deployPublicKey: "" } satisfies EdgeFileValues);
      }
    };
    this.fileCommands = {};
    for (const file of EDGE_FILES) {
      // The nginx site refers to the origin PEM, so nginx -t needs it in place first.
      const after = file.id === "nginx-site" ? [provision, origin] : [provision];
      this.fileCommands[file.id] = command(
        `file-${file.id}`,
        {
          create: renderInstallScript(file),
          delete: renderRemoveScript(file),
          stdin: contentOf(file),
        },
        after,
      );
    }
    command("fallback-certificate", { create: renderCertificateScript(args.fallbackHost) }, [
      this.fileCommands["nginx-site"],
      this.fileCommands["install-fallback-cert"],
    ]);
    this.registerOutputs({});
  }
}
