// Commits the generated workflows (and the live ISO units script, its drop-ins and the client staleness units) with github.RepositoryFile:
// image-repository files to config.imageRepository, release.yml to this repository.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, splitRepository } from "../../config/stack";
import { GeneratedFile, generatedFiles } from "./generated-files";
import { isCommitSha } from "../../grammar/values";

export interface WorkflowsArgs {
  readonly config: StackConfig;
  /**
   * The pipeline commit whose CLIs the image workflows check out (publish-iso, retention, ...):
   * config `toolsRef`, bumped deliberately. Never a moving main (those jobs hold secrets), and not
   * GITHUB_SHA per deploy: every pipeline merge would then rewrite the image workflows, each rewrite
   * pushes to the image repository's main, which builds a new candidate, whose boot opens another
   * release PR - a release loop, and noise in every preview.
   */
  readonly toolsRef?: string;
}

export class Workflows extends pulumi.ComponentResource {
  /** Repository paths committed, per `owner/name`. */
  readonly files: pulumi.Output<Record<string, string[]>>;

  constructor(name: string, args: WorkflowsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("margine:workflows:Workflows", name, {}, opts);
    const toolsRef = args.toolsRef ?? args.config.toolsRef;
    if (!isCommitSha(toolsRef)) {
      throw new pulumi.ResourceError(`toolsRef "${toolsRef}": expected the full 40-hex commit of ${args.config.pipelineRepository}`, this);
    }
    const files = generatedFiles(toolsRef, args.config.maintainers);
    const commit = (repository: string, role: string, file: GeneratedFile) => {
      // Workflows and scripts by stem (their names predate the units); unit files keep their
      // suffix, which tells margine-staleness-check.service from .timer.
      const stem = file.path
        .split("/")
        .pop()!
        .replace(/\.(yml|sh)$/, "");
      new github.RepositoryFile(
        `${name}-${role}-${stem}`,
        {
          repository: splitRepository(repository).name,
          file: file.path,
          content: file.content,
          branch: "main",
          commitMessage: `chore: regenerate ${file.path} (margine-pipeline)`,
          overwriteOnCreate: true,
        },
        { parent: this },
      );
    };
    for (const file of files.imageRepository) commit(args.config.imageRepository, "image", file);
    for (const file of files.pipelineRepository) commit(args.config.pipelineRepository, "pipeline", file);

    this.files = pulumi.output({
      [args.config.imageRepository]: files.imageRepository.map((f) => f.path),
      [args.config.pipelineRepository]: files.pipelineRepository.map((f) => f.path),
    });
    this.registerOutputs({ files: this.files });
  }
}
