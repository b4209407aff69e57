// Turns an IA S3 answer into success or an IaError that says what IA said and whether to retry.
import { IaError } from "./ia-error";
import { IaResponse } from "./http-exchange";
import { retryAfterMs } from "../retry-after";

/** `<Code>` and `<Message>` of an S3 XML error body (empty strings when absent). */
export function s3ErrorFields(body: string): { code: string; message: string } {
  const field = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1]?.trim() ?? "";
  return { code: field("Code"), message: field("Message") };
}

/** Throws unless the answer is 2xx. `what` names the file or item for the message. */
export function expectS3Success(res: IaResponse, what: string): IaResponse {
  if (res.status >= 200 && res.status < 300) return res;
  const { code, message } = s3ErrorFields(res.body);
  const said = message || code || res.body.slice(0, 300).trim() || "(empty body)";
  const text = `${what}: IA answered HTTP ${res.status}${code ? ` ${code}` : ""}: ${said}`;
  // IA's spam filter also answers 503, but waiting does not change its mind: fail at once.
  if (res.status === 503 && /appears to be spam/i.test(res.body)) {
    throw new IaError(
      `${text}. IA flagged the upload as spam; retrying will not help: contact IA (info@archive.org) or change the item metadata`,
      503,
      code || "Spam",
      false,
    );
  }
  if (res.status === 503 || res.status === 500 || res.status === 502 || res.status === 504 || res.status === 429) {
    const retryAfter = res.headers["retry-after"];
    throw new IaError(text, res.status, code || "Unavailable", true, retryAfterMs(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter));
  }
  if (res.status === 403) {
    throw new IaError(
      `${text}. Check the IA keys (https://archive.org/account/s3.php) and that the identifier belongs to this account`,
      403,
      code || "AccessDenied",
      false,
    );
  }
  throw new IaError(text, res.status, code || `HTTP${res.status}`, false);
}
