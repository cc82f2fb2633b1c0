// A stand-in for the IMDb JSON API for the browser tests: the real paths and response shapes.
// Any well-formed id is a film; three titles answer searches.
import http from "node:http";

const port = Number(process.env.FAKE_IMDB_PORT ?? 3199);
const known = {
  tt19770238: ["Aftersun", 2022],
  tt13238346: ["Past Lives", 2023],
  tt27503384: ["Perfect Days", 2023],
};

function title(id) {
  const [name, year] = known[id] ?? [`Generated Film ${id}`, 2024];
  return {
    id, type: "movie", primaryTitle: name, originalTitle: name, startYear: year, runtimeSeconds: 6060,
    genres: ["Drama"], rating: { aggregateRating: 7.7, voteCount: 98765 }, plot: `What happens in ${name}.`,
  };
}

http
  .createServer((req, res) => {
    const url = new URL(req.url, "http://fake");
    const json = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/titles:batchGet") {
      const ids = url.searchParams.getAll("titleIds").filter((id) => /^tt\d{7,8}$/.test(id));
      return json(200, { titles: ids.map(title) });
    }
    if (url.pathname === "/search/titles") {
      const q = (url.searchParams.get("query") ?? "").toLowerCase();
      const hits = Object.keys(known).filter((id) => known[id][0].toLowerCase().includes(q));
      return json(200, { titles: hits.map(title) });
    }
    if (url.pathname === "/healthz") return json(200, { status: "ok" });
    json(404, { code: 5, message: "not found", details: [] });
  })
  .listen(port, "127.0.0.1");
