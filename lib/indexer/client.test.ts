import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFreePort } from "@/lib/chain/anvil";
import { createIndexerClient, IndexerRequestError, IndexerResponseError, IndexerUnavailableError } from "./client";
import type { Wire } from "./wire";

const payee = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const earnings: Wire<"earnings"> = {
  earnings: {
    payee,
    earned: (2n ** 200n).toString(),
    claimed: "5",
    claimable: (2n ** 200n - 5n).toString(),
    inferenceCount: 1,
    lastCreditAt: "1700000000",
  },
  credits: [{ inferenceId: "7", modelId: "1", amount: "42", cursor: "123", createdAt: "1700000000", txHash: `0x${"ab".repeat(32)}` }],
  nextCursor: null,
};

// A real HTTP server standing in for an indexer that answers each route in one fixed way.
const routes: Record<string, { status: number; body: string }> = {
  [`/payees/${payee}/earnings`]: { status: 200, body: JSON.stringify(earnings) },
  "/models": { status: 200, body: JSON.stringify({ models: [{ id: 1, owner: payee }] }) },
  "/datanets/5": { status: 404, body: JSON.stringify({ error: { code: "DATANET_NOT_FOUND", message: "datanet 5 is not indexed" } }) },
  "/datanets": { status: 200, body: "<html>proxy error</html>" },
  "/stats": { status: 502, body: "bad gateway" },
  "/settlements": { status: 400, body: JSON.stringify({ error: { code: "BAD_REQUEST", message: "query.limit: too big" } }) },
};

describe("the indexer client", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const route = routes[new URL(req.url!, "http://x").pathname] ?? {
        status: 404,
        body: JSON.stringify({ error: { code: "ROUTE_NOT_FOUND", message: "no route" } }),
      };
      res.writeHead(route.status, { "content-type": "application/json" }).end(route.body);
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("turns decimal strings into exact bigints and addresses into checksummed ones", async () => {
    const result = await createIndexerClient({ url }).getEarnings(payee);
    expect(result.earnings.earned).toBe(2n ** 200n);
    expect(result.earnings.payee).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect(result.credits[0]).toMatchObject({ inferenceId: 7n, amount: 42n });
  });

  it("rejects an answer of the wrong shape instead of passing it on", async () => {
    const client = createIndexerClient({ url });
    await expect(client.listModels()).rejects.toThrow(IndexerResponseError);
    await expect(client.listDatanets()).rejects.toThrow(/no JSON/);
  });

  it("answers null for a missing item but refuses an unknown route", async () => {
    const client = createIndexerClient({ url });
    expect(await client.getDatanet(5n)).toBeNull();
    await expect(client.getModel(5n)).rejects.toThrow(IndexerRequestError);
  });

  it("keeps the indexer's error code for a refused request", async () => {
    await expect(createIndexerClient({ url }).listSettlements({ limit: 5000 })).rejects.toMatchObject({ code: "BAD_REQUEST", status: 400 });
  });

  it("reports an indexer that fails or is not there as unavailable", async () => {
    await expect(createIndexerClient({ url }).getStats()).rejects.toThrow(IndexerUnavailableError);
    const nobody = createIndexerClient({ url: `http://127.0.0.1:${await getFreePort()}` });
    await expect(nobody.getStats()).rejects.toMatchObject({ code: "INDEXER_UNAVAILABLE" });
    expect(await nobody.isReady()).toBe(false);
  });
});
