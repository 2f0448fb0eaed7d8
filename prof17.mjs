import { readFile } from 'node:fs/promises';
import { FaceDetector } from './dist/src/face/face-detector.js';
import { runFaceStage } from './dist/src/face/face-stage.js';
import { decodeImage } from './dist/src/image/decode-image.js';
import { sampleWindow, letterboxSquare } from './dist/src/image/affine-sample.js';
import { measureFace } from './dist/src/face/quality-gates.js';
import { toPixelValues } from './dist/src/image/preprocess.js';
const bytes = await readFile('samples/grace-hopper.jpg');
const det = await FaceDetector.load();
const img = await decodeImage(bytes);
const faces = await det.detect(img);
const spec = { size: 96, mean: [0.5,0.5,0.5], std: [0.5,0.5,0.5], faceCropMargin: 0.25 };
const st = await runFaceStage(det, img, spec);
const time = async (name, fn, n = 30) => { for (let i=0;i<3;i++) await fn(); const ts=[]; for (let i=0;i<n;i++){const s=performance.now(); await fn(); ts.push(performance.now()-s);} ts.sort((a,b)=>a-b); return [name, ts[n>>1]]; };
const rows = [];
for (let r=0;r<2;r++) {
rows.push(await time('decode', () => decodeImage(bytes)));
rows.push(await time('letterbox sample 256', () => sampleWindow(img, letterboxSquare(img), 256, 0)));
rows.push(await time('detect total', () => det.detect(img)));
rows.push(await time('measureFace', () => measureFace(img, faces[0])));
rows.push(await time('toPixelValues', () => toPixelValues(img, spec, st.window)));
rows.push(await time('faceStage', () => runFaceStage(det, img, spec)));
}
for (const [n, t] of rows) console.log(n.padEnd(24), t.toFixed(2));
console.log(JSON.stringify(st.window), faces[0].box);
