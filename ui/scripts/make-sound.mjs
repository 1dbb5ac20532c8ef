// Writes public/sounds/notification.wav: a soft two-note chime (A5 then E6), our own
// sound rather than a downloaded one. Each note is a few sine partials with a quick
// attack and an exponential decay; 22050 Hz, 16-bit mono PCM, about 16 KB.
//
//   npm run sound
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const RATE = 22050;
const SECONDS = 0.35;
/** The loudest sample, as a share of full scale: a notification should not startle. */
const PEAK = 0.5;
const ATTACK = 0.006;
/** The last moment fades to silence, so the sound ends without a click. */
const FADE_OUT = 0.03;

/** Each note: when it starts (s), its pitch (Hz) and how fast it dies away (s). */
const NOTES = [
  { start: 0, frequency: 880, decay: 0.09, gain: 0.8 },
  { start: 0.1, frequency: 1318.51, decay: 0.11, gain: 1 },
];
/** Overtones as multiples of the pitch, with their share: a bell-like but soft tone. */
const PARTIALS = [
  { ratio: 1, gain: 1 },
  { ratio: 2, gain: 0.28 },
  { ratio: 3, gain: 0.08 },
];

function sampleAt(t) {
  let value = 0;
  for (const note of NOTES) {
    const local = t - note.start;
    if (local < 0) continue;
    const envelope = Math.min(1, local / ATTACK) * Math.exp(-local / note.decay);
    for (const partial of PARTIALS) {
      // Higher partials die away faster, as a struck bar's do.
      const fade = Math.exp((-local * (partial.ratio - 1)) / (note.decay * 2));
      value +=
        note.gain *
        partial.gain *
        fade *
        envelope *
        Math.sin(2 * Math.PI * note.frequency * partial.ratio * local);
    }
  }
  const left = SECONDS - t;
  return left < FADE_OUT ? (value * left) / FADE_OUT : value;
}

const count = Math.round(RATE * SECONDS);
const raw = Array.from({ length: count }, (_, i) => sampleAt(i / RATE));
const loudest = Math.max(...raw.map(Math.abs));
const pcm = Buffer.alloc(count * 2);
raw.forEach((v, i) => pcm.writeInt16LE(Math.round((v / loudest) * PEAK * 32767), i * 2));

function wavHeader(dataBytes) {
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16); // the fmt chunk's size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28); // bytes per second
  h.writeUInt16LE(2, 32); // bytes per frame
  h.writeUInt16LE(16, 34); // bits per sample
  h.write("data", 36, "ascii");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "sounds", "notification.wav");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, Buffer.concat([wavHeader(pcm.length), pcm]));
console.log(`wrote ${out} (${44 + pcm.length} bytes)`);
