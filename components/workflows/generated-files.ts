// Every file the Workflows component commits, per repository: pure, so tests and synth see the
// exact text without mocks.
import { buildDiskWorkflow } from "./build-disk";
import { buildWorkflow } from "./build";
import { clientStalenessFiles } from "./client-staleness-units";
import { LIVE_ISO_UNITS_SCRIPT_PATH, liveSessionDropIns, renderLiveIsoUnitsScript } from "./live-iso-units";
import { retentionWorkflow, stalenessWorkflow } from "./maintenance";
import { Workflow } from "./model";
import { releaseWorkflow } from "./release";
import { watchWorkflow } from "./watch";
import { renderWorkflow } from "./render";
import { smokeBootWorkflow } from "./smoke-boot";
import { codeOwnersFile } from "../github/pipeline-repository";
import { ZIZMOR_CONFIG, ZIZMOR_CONFIG_PATH } from "./zizmor-config";
import { isCommitSha } from "../../grammar/values";

export interface GeneratedFile {
  /** Path inside the repository. */
  readonly path: string;
  readonly content: string;
  /** The model it was rendered from, for workflows. */
  readonly workflow?: Workflow;
}

export interface GeneratedFiles {
  readonly imageRepository: readonly GeneratedFile[];
  readonly pipelineRepository: readonly GeneratedFile[];
}

export function workflowFile(workflow: Workflow): GeneratedFile {
  return { path: `.github/workflows/${workflow.fileName}`, content: renderWorkflow(workflow), workflow };
}

/** `maintainers`: the code owners whose review release pull requests need (CODEOWNERS). */
export function generatedFiles(toolsRef: string, maintainers: readonly string[]): GeneratedFiles {
  if (!isCommitSha(toolsRef)) {
    throw new Error(`tools ref "${toolsRef}": expected the full 40-hex commit of the pipeline repository (jobs that hold secrets never run a moving branch)`);
  }
  return {
    imageRepository: [
      workflowFile(buildWorkflow()),
      workflowFile(smokeBootWorkflow()),
      workflowFile(buildDiskWorkflow(toolsRef)),
      workflowFile(retentionWorkflow(toolsRef)),
      workflowFile(stalenessWorkflow(toolsRef)),
      { path: LIVE_ISO_UNITS_SCRIPT_PATH, content: renderLiveIsoUnitsScript() },
      ...liveSessionDropIns(),
      ...clientStalenessFiles(),
      { path: ZIZMOR_CONFIG_PATH, content: ZIZMOR_CONFIG },
    ],
    pipelineRepository: [workflowFile(releaseWorkflow()), workflowFile(watchWorkflow()), { path: ".github/CODEOWNERS", content: codeOwnersFile(maintainers) }],
  };
}
