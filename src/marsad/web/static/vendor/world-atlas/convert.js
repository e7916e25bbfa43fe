const topo = require(require('path').resolve(process.env.TOPOJSON_CLIENT || 'tc/package/dist/topojson-client.js'));
const fs = require('fs');
const [src, dst, dp] = process.argv.slice(2);
const t = JSON.parse(fs.readFileSync(src));
const gj = topo.feature(t, t.objects.countries);
const r = x => Array.isArray(x) ? x.map(r) : Math.round(x * 10**dp) / 10**dp;
for (const f of gj.features) { f.geometry && (f.geometry.coordinates = r(f.geometry.coordinates)); }
fs.writeFileSync(dst, JSON.stringify(gj));
console.log(gj.features.length);
