/** GET /api/playground/permit-terms — what a spend permit signed in the browser must name. */
import { errorResponse } from "@/lib/http";
import { processServer } from "@/lib/server/root";
import { permitTermsResponse } from "../handlers";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(): Response {
  try {
    return permitTermsResponse(processServer().requireDeployment());
  } catch (error) {
    return errorResponse(error);
  }
}
