import type { z } from "zod";
import { readErrorBody } from "@/lib/wire/errors";

/** A refusal of one of the app's API routes, with its stable code and, for a form, the field it is about. */
export class ApiRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The request field the refusal names (`details.field`), e.g. "licenseUrl" or "tags.1". */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = "ApiRefusal";
  }
}

/** Options of {@link postJson}. */
export type PostJsonOptions = {
  /** Called as the request body goes out: bytes sent and total (for a progress bar on large uploads). */
  onUploadProgress?: (sent: number, total: number) => void;
};

/**
 * POSTs JSON to one of the app's routes and parses the answer with its wire schema; a refusal
 * becomes an {@link ApiRefusal}. XMLHttpRequest rather than fetch: only it reports upload progress.
 */
export function postJson<Schema extends z.ZodType>(
  path: string,
  body: unknown,
  schema: Schema,
  options: PostJsonOptions = {},
): Promise<z.output<Schema>> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    request.setRequestHeader("content-type", "application/json");
    if (options.onUploadProgress) {
      const report = options.onUploadProgress;
      request.upload.onprogress = (event) => report(event.loaded, event.total);
    }
    request.onerror = () => reject(new ApiRefusal("NETWORK_ERROR", "The server could not be reached; try again."));
    request.onload = () => {
      let json: unknown;
      try {
        json = JSON.parse(request.responseText);
      } catch {
        reject(new ApiRefusal("BAD_ANSWER", `The server answered ${request.status} without JSON.`));
        return;
      }
      if (request.status >= 200 && request.status < 300) {
        const parsed = schema.safeParse(json);
        if (parsed.success) resolve(parsed.data);
        else reject(new ApiRefusal("BAD_ANSWER", "The server's answer was not what this page expects; reload it."));
        return;
      }
      const error = readErrorBody(json);
      const field = typeof error?.field === "string" ? error.field : null;
      reject(new ApiRefusal(error?.code ?? "HTTP_ERROR", error?.message ?? `The server answered ${request.status}.`, field));
    };
    request.send(JSON.stringify(body, (_key, value) => (typeof value === "bigint" ? value.toString() : value)));
  });
}
