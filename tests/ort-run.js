#!/usr/bin/env node
// ort-run.js: the test suites' float reference. Runs an ONNX model in ONNX
// Runtime (CPU) on .npy inputs and writes each output as OUTDIR/<name>.npy
// (characters outside [A-Za-z0-9_.-] in a name become '_').
// usage: NODE_PATH=build/ort/node_modules node tests/ort-run.js MODEL.onnx
//            -i NAME=FILE.npy... [-o OUTDIR] [-t THREADS] [-n RUNS]
// Every model input must be bound with -i; only f32 .npy files (v1/v2
// headers, C order) are read. -n RUNS > 1 also prints the median latency.
// Install ONNX Runtime with `make ort` (npm, --ignore-scripts).
'use strict';
const fs = require('fs');
const path = require('path');

function die(msg, code) { process.stderr.write('ort-run: ' + msg + '\n'); process.exit(code || 1); }

function readNpy(ort, file) {
  const b = fs.readFileSync(file);
  if (b.length < 10 || b.toString('latin1', 0, 6) !== '\x93NUMPY') die(file + ': not an .npy file');
  const off = b[6] === 1 ? 10 : 12;
  const hlen = b[6] === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const hdr = b.toString('latin1', off, off + hlen);
  const descr = (/'descr':\s*'([^']*)'/.exec(hdr) || [])[1];
  const shape = ((/'shape':\s*\(([^)]*)\)/.exec(hdr) || [])[1] || '')
    .split(',').map(s => s.trim()).filter(s => s).map(Number);
  if (descr !== '<f4') die(file + ': dtype ' + descr + ' (only <f4 is read)');
  if (/'fortran_order':\s*True/.test(hdr)) die(file + ': Fortran order is not read');
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off + hlen, b.byteOffset + b.length));
  return new ort.Tensor('float32', data, shape);
}

function writeNpy(file, t) {
  const descr = { float32: '<f4', int64: '<i8', int32: '<i4', uint8: '|u1', int8: '|i1', bool: '|b1' }[t.type];
  if (!descr) die(file + ': output type ' + t.type + ' is not written');
  let hdr = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${t.dims.join(', ')}${t.dims.length === 1 ? ',' : ''}), }`;
  hdr += ' '.repeat(63 - ((10 + hdr.length) % 64)) + '\n'; // pad the header to 64 bytes
  const head = Buffer.from('\x93NUMPY\x01\x00\x00\x00', 'latin1');
  head.writeUInt16LE(hdr.length, 8);
  const d = t.data;
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(hdr, 'latin1'),
    Buffer.from(d.buffer, d.byteOffset, d.byteLength)]));
}

async function main(argv) {
  const usage = 'usage: ort-run.js MODEL.onnx -i NAME=FILE.npy... [-o OUTDIR] [-t THREADS] [-n RUNS]';
  if (!argv.length || argv[0] === '-h') { console.log(usage); return; }
  let ort;
  try { ort = require('onnxruntime-node'); } catch (e) { die('onnxruntime-node not found (run make ort; set NODE_PATH)'); }
  const model = argv.shift(), feeds = {};
  let outdir = null, threads = 1, runs = 1;
  while (argv.length) {
    const f = argv.shift(), v = argv.shift();
    if (v === undefined) die(f + ' needs a value\n' + usage, 2);
    if (f === '-i') {
      const eq = v.indexOf('=');
      if (eq < 1) die('-i ' + v + ': expected NAME=FILE.npy', 2);
      feeds[v.slice(0, eq)] = readNpy(ort, v.slice(eq + 1));
    } else if (f === '-o') outdir = v;
    else if (f === '-t') threads = +v;
    else if (f === '-n') runs = Math.max(1, +v);
    else die('unknown option ' + f + '\n' + usage, 2);
  }
  const sess = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  for (const name of sess.inputNames)
    if (!feeds[name]) die(`${model}: input "${name}" is not bound; give -i ${name}=FILE.npy`);
  let out;
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    out = await sess.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (outdir) {
    fs.mkdirSync(outdir, { recursive: true });
    for (const k of Object.keys(out))
      writeNpy(path.join(outdir, k.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy'), out[k]);
  }
  if (runs > 1) {
    ms.sort((a, b) => a - b);
    console.log(`ort ${path.basename(model)} threads=${threads} runs=${runs} median_ms=${ms[runs >> 1].toFixed(3)}`);
  }
}

main(process.argv.slice(2)).catch(e => die(e.message));
