// The pack's policies, in one list: index.ts builds the PolicyPack from it (which starts the gRPC
// analyzer server), the offline evaluator runs it over resources.json without a server.
import { Policies } from "@pulumi/policy";
import { bootedEvidence } from "./booted-evidence";
import { iaItemsRetained } from "./ia-items-retained";
import { noLatestTag } from "./no-latest-tag";
import { promoteByDigest } from "./promote-by-digest";
import { secretsStaySecret } from "./secrets-stay-secret";
import { signedPromotion } from "./signed-promotion";
import { staleStable } from "./stale-stable";
import { staleStableCritical } from "./stale-stable-critical";
import { tagGrammar } from "./tag-grammar";
import { workflowHardening } from "./workflow-hardening";

export const PACK_NAME = "margine";

export const policies: Policies = [
  noLatestTag,
  tagGrammar,
  promoteByDigest,
  bootedEvidence,
  signedPromotion,
  secretsStaySecret,
  workflowHardening,
  iaItemsRetained,
  staleStable,
  staleStableCritical,
];
