// A stand-in for the IMDb JSON API for the browser tests: the real paths and response shapes.
// Any well-formed id is a film; three titles answer searches. Each film's poster is a real PNG
// served here, so posters go through Marquee's download, resizing and serving as in production.
import http from "node:http";
import zlib from "node:zlib";

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
    primaryImage: { url: `http://127.0.0.1:${port}/images/${id}.png`, width: 300, height: 450 },
    genres: ["Drama"], rating: { aggregateRating: 7.7, voteCount: 98765 }, plot: `What happens in ${name}.`,
  };
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(kind, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(kind, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}
/** A 300 × 450 PNG: a gradient in a hue taken from `id`. */
function poster(id) {
  const [w, h] = [300, 450];
  const hue = [...id].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 360, 7);
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      const t = y / h;
      row[1 + x * 3] = Math.round(40 + 120 * t + (hue % 60));
      row[2 + x * 3] = Math.round(30 + (x / w) * 100);
      row[3 + x * 3] = Math.round(60 + (hue % 120) * (1 - t));
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
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
    const image = /^\/images\/(tt\d{7,8})\.png$/.exec(url.pathname);
    if (image) {
      res.writeHead(200, { "content-type": "image/png" });
      return res.end(poster(image[1]));
    }
    if (url.pathname === "/healthz") return json(200, { status: "ok" });
    json(404, { code: 5, message: "not found", details: [] });
  })
  .listen(port, "127.0.0.1");
