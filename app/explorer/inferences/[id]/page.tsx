import { redirect } from "next/navigation";

/** The address the API and the playground link to (`upstream.attributionUrl`): the inference page lives at /explorer/<id>. */
export default async function InferenceLink({ params }: { params: Promise<{ id: string }> }) {
  redirect(`/explorer/${encodeURIComponent((await params).id)}`);
}
