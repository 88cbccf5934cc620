// tiny PNG generator: 512x512 RGBA icon, a rounded square with a "P"-ish shape
import { deflateSync } from "node:zlib";
import { writeFileSync } from "node:fs";
const W = 512, H = 512;
const raw = Buffer.alloc((W * 4 + 1) * H);
for (let y = 0; y < H; y++) {
  raw[y * (W * 4 + 1)] = 0;
  for (let x = 0; x < W; x++) {
    const o = y * (W * 4 + 1) + 1 + x * 4;
    const r = 96, cx = Math.min(Math.max(x, r), W - r), cy = Math.min(Math.max(y, r), H - r);
    const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    // a stylised shield/lock: white ring and bar
    const dx = x - 256, dy = y - 230;
    const ring = dx * dx + dy * dy <= 130 * 130 && dx * dx + dy * dy >= 80 * 80;
    const stem = x >= 126 && x <= 176 && y >= 230 && y <= 420;
    const white = ring || stem;
    const [R, G, B] = white ? [255, 255, 255] : [20 + (y / H) * 30, 90 + (x / W) * 40, 160];
    raw[o] = R; raw[o + 1] = G; raw[o + 2] = B; raw[o + 3] = inside ? 255 : 0;
  }
}
const crcTable = new Uint32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => { const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([len, td, c]); };
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(W, 0); ihdr.writeUInt32BE(H, 4); ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
writeFileSync(process.argv[2], png);
console.log("wrote", png.length, "bytes");
