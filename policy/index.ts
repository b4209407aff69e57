// The policy pack as the Pulumi engine runs it (`pulumi preview --policy-pack policy`): constructing
// the PolicyPack starts its gRPC analyzer server and prints the port, so this file does nothing else.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, { policies, enforcementLevel: "mandatory" });
