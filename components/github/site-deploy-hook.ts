// The site repository's deploy webhook: a merge to main (the LATEST_ISO_DATE bump included) is
// picked up by the web host in 2-3 minutes (handbook 11.3). The shared secret is generated here.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { splitRepository } from "../../config/stack";

export interface SiteDeployHookArgs {
  /** `owner/name` of the site repository. */
  readonly repository: string;
  /** The deploy endpoint of the web host; without it only the secret is generated. */
  readonly url?: string;
}

export class SiteDeployHook extends pulumi.ComponentResource {
  /** HMAC secret to configure on the receiving side (secret output). */
  readonly secret: pulumi.Output<string>;

  constructor(name: string, args: SiteDeployHookArgs, opts?: pulumi.ComponentResourceOptions) {
    super("margine:github:SiteDeployHook", name, {}, opts);
    const secret = new random.RandomPassword(`${name}-secret`, { length: 40, special: false }, { parent: this });
    this.secret = pulumi.secret(secret.result);
    if (args.url !== undefined) {
      new github.RepositoryWebhook(
        `${name}-webhook`,
        {
          repository: splitRepository(args.repository).name,
          events: ["push"],
          active: true,
          configuration: { url: args.url, contentType: "json", secret: this.secret, insecureSsl: false },
        },
        { parent: this },
      );
    }
    this.registerOutputs({ secret: this.secret });
  }
}
