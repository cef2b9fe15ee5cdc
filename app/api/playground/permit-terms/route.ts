/** GET /api/playground/permit-terms — what a spend permit signed in the browser must name. */
import { readDeployment } from "@/lib/chain/deploy";
import { config } from "@/lib/config";
import { errorResponse } from "@/lib/http";
import { permitTermsResponse } from "../handlers";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Response {
  try {
    return permitTermsResponse(readDeployment(config().deploymentFile));
  } catch (error) {
    return errorResponse(error);
  }
}
