"use client";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Button } from "@/components/button";
import { fetchJson } from "@/lib/web/permit";
import { v1ModelListSchema } from "@/lib/wire/openai";

const PLACEHOLDER_KEY = "upk_…";

function snippets(baseUrl: string, apiKey: string, model: string) {
  return {
    curl: [
      `curl ${baseUrl}/chat/completions \\`,
      `  -H "Authorization: Bearer ${apiKey}" \\`,
      `  -H "Content-Type: application/json" \\`,
      `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "What is this datanet about?"}]}'`,
    ].join("\n"),
    openai: [
      `import OpenAI from "openai";`,
      ``,
      `const client = new OpenAI({ baseURL: "${baseUrl}", apiKey: "${apiKey}" });`,
      `const stream = await client.chat.completions.create({`,
      `  model: "${model}",`,
      `  messages: [{ role: "user", content: "What is this datanet about?" }],`,
      `  stream: true,`,
      `});`,
      `for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? "");`,
    ].join("\n"),
  };
}

/** curl and openai-SDK snippets for the OpenAI-compatible API, filled with the new key when there is one. */
export function ApiSnippets({ apiKey }: { apiKey: string | null }) {
  const [origin, setOrigin] = useState("http://localhost:3000");
  const [tab, setTab] = useState<"curl" | "openai">("curl");
  const [copied, setCopied] = useState(false);
  // The page is rendered on the server too, where there is no window: read the origin after mount.
  useEffect(() => setOrigin(window.location.origin), []);
  const { data: model } = useQuery({
    queryKey: ["v1-models"],
    queryFn: async () => (await fetchJson("/api/v1/models", v1ModelListSchema)).data[0]?.id ?? "upstream-1",
  });
  const text = snippets(`${origin}/api/v1`, apiKey ?? PLACEHOLDER_KEY, model ?? "upstream-1")[tab];
  return (
    <div>
      <div role="tablist" className="mb-2 flex gap-1 text-sm">
        {(["curl", "openai"] as const).map((name) => (
          <button
            key={name}
            role="tab"
            type="button"
            aria-selected={tab === name}
            onClick={() => {
              setTab(name);
              setCopied(false);
            }}
            className={`rounded-md px-3 py-1 font-medium ${tab === name ? "bg-brand-50 text-brand-800" : "text-stone-600 hover:bg-stone-100"}`}
          >
            {name === "curl" ? "curl" : "openai SDK"}
          </button>
        ))}
      </div>
      <pre data-testid="api-snippet" className="overflow-x-auto rounded-md bg-stone-900 p-3 text-xs leading-relaxed text-stone-100">
        <code>{text}</code>
      </pre>
      <div className="mt-2 flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-stone-500">{apiKey ? "Filled in with your new key." : "Create a key to fill it in."}</p>
        <Button
          variant="secondary"
          className="!px-3 !py-1.5 text-xs"
          onClick={async () => {
            await navigator.clipboard?.writeText(text).catch(() => undefined);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : "Copy snippet"}
        </Button>
      </div>
    </div>
  );
}
